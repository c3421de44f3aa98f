/**
 * A TCP socket's `struct tcp_info` (<linux/tcp.h>), from sock_diag's INET_DIAG_INFO attribute: what
 * `ss -i` prints. Times are converted from the kernel's microseconds to milliseconds (`rttMs`); rates are
 * the kernel's bytes per second (`Bps`; ss prints them times 8, in bits). A field is absent when this
 * kernel's tcp_info is too short to hold it. The kernel field each comes from is in docs/schema.md.
 */
export interface TcpInfo {
  /** Congestion control algorithm (`cubic`, `bbr`), from INET_DIAG_CONG. */
  readonly congestion?: string;
  /** tcpi_ca_state: 0 open, 1 disorder, 2 CWR, 3 recovery, 4 loss. */
  readonly caState: number;
  /** tcpi_retransmits: retransmissions of the current unacknowledged segment (timeouts in a row). */
  readonly retransmits: number;
  /** tcpi_probes: unanswered zero-window or keepalive probes. */
  readonly probes: number;
  /** tcpi_backoff: exponential backoff of the retransmit timer. */
  readonly backoff: number;
  /** TCPI_OPT_TIMESTAMPS, SACK, ECN, ECN_SEEN, SYN_DATA (fastopen), USEC_TS of tcpi_options. */
  readonly timestamps: boolean;
  readonly sack: boolean;
  readonly ecn: boolean;
  readonly ecnSeen: boolean;
  readonly fastOpen: boolean;
  readonly usecTimestamps: boolean;
  /** tcpi_snd_wscale and tcpi_rcv_wscale, when window scaling was agreed (TCPI_OPT_WSCALE). */
  readonly sndWscale?: number;
  readonly rcvWscale?: number;
  /** tcpi_delivery_rate_app_limited: the last delivery rate sample was limited by the application. */
  readonly appLimited: boolean;
  readonly rtoMs: number;
  readonly atoMs: number;
  /** tcpi_snd_mss, bytes. */
  readonly mss: number;
  readonly rcvMss: number;
  /** Segments sent and not yet acknowledged (tcpi_unacked). */
  readonly unacked: number;
  readonly sacked: number;
  readonly lost: number;
  /** Segments retransmitted and not yet acknowledged (tcpi_retrans). */
  readonly retrans: number;
  readonly fackets: number;
  readonly lastDataSentMs: number;
  readonly lastAckSentMs: number;
  readonly lastDataRecvMs: number;
  readonly lastAckRecvMs: number;
  /** Path MTU, bytes. */
  readonly pmtu: number;
  readonly rcvSsthresh: number;
  /** Smoothed round-trip time and its mean deviation (tcpi_rtt, tcpi_rttvar). */
  readonly rttMs: number;
  readonly rttVarMs: number;
  /** Slow-start threshold, segments (tcpi_snd_ssthresh; 2147483647 = infinite, not yet set). */
  readonly ssthresh: number;
  /** Congestion window, segments (tcpi_snd_cwnd). */
  readonly cwnd: number;
  readonly advmss: number;
  readonly reordering: number;
  readonly rcvRttMs: number;
  readonly rcvSpace: number;
  /** Retransmitted segments over the connection's life (tcpi_total_retrans). */
  readonly totalRetrans: number;
  readonly pacingRateBps?: number;
  readonly maxPacingRateBps?: number;
  readonly bytesAcked?: number;
  readonly bytesReceived?: number;
  readonly segsOut?: number;
  readonly segsIn?: number;
  readonly notSentBytes?: number;
  readonly minRttMs?: number;
  readonly dataSegsIn?: number;
  readonly dataSegsOut?: number;
  readonly deliveryRateBps?: number;
  /** Time with data in flight, and the parts of it limited by the peer's window or our send buffer. */
  readonly busyTimeMs?: number;
  readonly rwndLimitedMs?: number;
  readonly sndbufLimitedMs?: number;
  readonly delivered?: number;
  readonly deliveredCe?: number;
  readonly bytesSent?: number;
  readonly bytesRetrans?: number;
  readonly dsackDups?: number;
  readonly reordSeen?: number;
  readonly rcvOooPack?: number;
  readonly sndWnd?: number;
  readonly rcvWnd?: number;
  readonly rehash?: number;
  /** BBR's model of the path, from INET_DIAG_BBRINFO (struct tcp_bbr_info) when the socket uses bbr. */
  readonly bbr?: {
    readonly bandwidthBps: number;
    readonly minRttMs: number;
    /** Gains as ratios (the kernel's value / 256). */
    readonly pacingGain: number;
    readonly cwndGain: number;
  };
}

/**
 * A socket's memory, `struct sk_meminfo` of sock_diag's INET_DIAG_SKMEMINFO / UNIX_DIAG_MEMINFO: what
 * `ss -m` prints as `skmem:(r,rb,t,tb,f,w,o,bl,d)`. All in bytes except `drops` (packets).
 */
export interface SocketMemory {
  /** r: receive queue memory in use (sk_rmem_alloc). */
  readonly rmemAlloc: number;
  /** rb: receive buffer size (sk_rcvbuf). */
  readonly rcvBuf: number;
  /** t: transmit queue memory in use (sk_wmem_alloc). */
  readonly wmemAlloc: number;
  /** tb: send buffer size (sk_sndbuf). */
  readonly sndBuf: number;
  /** f: memory allocated ahead and not yet used (sk_forward_alloc). */
  readonly fwdAlloc: number;
  /** w: memory queued for sending (sk_wmem_queued). */
  readonly wmemQueued: number;
  /** o: option memory (sk_omem_alloc). */
  readonly optMem: number;
  /** bl: the backlog queue (sk_backlog.len). */
  readonly backlog?: number;
  /** d: packets dropped before reaching the socket (sk_drops). */
  readonly drops?: number;
}
