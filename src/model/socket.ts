import type { SocketMemory, TcpInfo } from './tcp-info.js';

/**
 * Transport protocol of a socket, as named by the /proc/net file it comes from; `mptcp` (Multipath
 * TCP, IPPROTO_MPTCP) has no /proc/net file and is read through sock_diag only; `netlink` and
 * `packet` (AF_PACKET) come from /proc/net/netlink and /proc/net/packet.
 */
export type Protocol = 'tcp' | 'udp' | 'udplite' | 'raw' | 'unix' | 'mptcp' | 'netlink' | 'packet';

/**
 * Address family: IPv4 (`inet`), IPv6 (`inet6`), unix domain, `netlink` (whose local endpoint is
 * the netlink protocol's name as `address`, `rtnl`, and the port id as `port`), or `packet` (whose
 * local endpoint is the interface name as `address`, '' for any, and the ethertype as `port`).
 */
export type Family = 'inet' | 'inet6' | 'unix' | 'netlink' | 'packet';

/** The kernel's TCP state names, in the order of their codes 01..0D in /proc/net/tcp's `st` column. */
export const TCP_STATES = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
  'BOUND_INACTIVE',
] as const;

/** One of the kernel's TCP states (see {@link TCP_STATES}). */
export type TcpState = (typeof TCP_STATES)[number];

/** A socket's state: a TCP state, or `UNCONN` for an unconnected datagram or raw socket. */
export type SocketState = TcpState | 'UNCONN';

/**
 * One end of a socket. `address` has no brackets (`::1`, `0.0.0.0`, `::ffff:127.0.0.1`);
 * for unix sockets it is the path, `@name` for an abstract name, `''` for unnamed. `port` 0 = none.
 */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** A kernel timer on a TCP socket, from the `tr`, `tm->when` and `retrnsmt` columns. */
export interface SocketTimer {
  /** `on` = retransmit, `keepalive`, `timewait`, `persist` = zero-window probe, `probe` = loss probe. */
  readonly kind: 'on' | 'keepalive' | 'timewait' | 'persist' | 'probe';
  /** Milliseconds until the timer fires (negative when already due). */
  readonly expiresMs: number;
  /** Retransmissions (or unanswered probes) so far. */
  readonly retransmits: number;
}

/** The unix-domain facts of a unix socket. */
export interface UnixInfo {
  readonly type: 'stream' | 'dgram' | 'seqpacket';
  /** True for a Linux abstract-namespace name (shown as `@name`). */
  readonly abstract: boolean;
  /** Inode of the connected peer socket (from sock_diag; absent when read from /proc/net/unix). */
  readonly peerInode?: number;
}

/** The AF_PACKET facts of a packet socket: SOCK_RAW (`p_raw` in ss) or SOCK_DGRAM (`p_dgr`). */
export interface PacketInfo {
  readonly type: 'raw' | 'dgram';
}

/** A container that a process runs in, from /proc/PID/cgroup. */
export interface ContainerRef {
  /** `docker`, `containerd`, `podman`, `kubernetes`, `lxc`, `crio`. */
  readonly runtime: string;
  /** Full container id (64 hex digits for docker/containerd/podman; the name for lxc). */
  readonly id: string;
  readonly name?: string;
}

/** A process that holds a socket open. */
export interface Owner {
  readonly pid: number;
  /**
   * File descriptors of this process that refer to the socket, ascending. Absent where the platform
   * has no file descriptors to name (Windows: sockets are handles, and the tables give only the pid).
   */
  readonly fds?: number[];
  /** The kernel's `comm` (at most 15 characters), from /proc/PID/comm; never split on spaces. */
  readonly command: string;
  /** argv, from /proc/PID/cmdline (absent when unreadable or a kernel thread). */
  readonly cmdline?: string[];
  /** Resolved executable path, from /proc/PID/exe (needs the same user or root). */
  readonly exe?: string;
  /** Real uid of the process, from /proc/PID/status (Linux), lsof's `u` field (macOS), `ps -o uid` (FreeBSD); absent on Windows (no uids). */
  readonly uid?: number;
  /** User name of `uid`, from /etc/passwd. */
  readonly user?: string;
  /** ISO 8601 start time, from /proc/PID/stat starttime and /proc/stat btime; guards against pid reuse. */
  readonly startedAt?: string;
  /** systemd unit (service or scope), from /proc/PID/cgroup. */
  readonly systemdUnit?: string;
  readonly container?: ContainerRef;
}

/** Why a socket's `owners` may be empty: see {@link Socket.ownerStatus}. */
export type OwnerStatus = 'ok' | 'none' | 'permission-denied' | 'gone' | 'not-requested';

/**
 * One socket of the kernel, with every process that holds it. A socket shared by a pre-fork
 * server is one record with several owners (as `ss -p` shows it).
 */
export interface Socket {
  readonly protocol: Protocol;
  readonly family: Family;
  /**
   * TCP: the kernel state. UDP/raw: `UNCONN` or `ESTABLISHED` (connected). Unix: `LISTEN`, `ESTABLISHED`,
   * `UNCONN`... Always set on Linux, FreeBSD and Windows; absent on macOS for a TCP socket that only lsof
   * listed, without a `TST=` field (docs/schema.md): unknown, never guessed.
   */
  readonly state?: SocketState;
  readonly local: Endpoint;
  readonly peer: Endpoint;
  /**
   * Bytes waiting to be read; for LISTEN, connections waiting in the accept queue. Always set on Linux;
   * absent where the platform's tools do not say it (see the field x platform table in docs/schema.md).
   */
  readonly recvQ?: number;
  /**
   * Bytes not yet acknowledged; for LISTEN, the accept backlog (maximum; 0 when read from /proc/net/tcp).
   * Always set on Linux; absent where the platform's tools do not say it.
   */
  readonly sendQ?: number;
  /**
   * Socket inode (the `N` of `socket:[N]`); 0 for sockets no file refers to (TIME_WAIT, SYN_RECV). Linux
   * only: absent elsewhere (no platform but Linux names sockets by inode).
   */
  readonly inode?: number;
  /** uid that created the socket. Always set on Linux; absent where the platform does not say it. */
  readonly uid?: number;
  /** Inode of the network namespace the socket lives in (0 for unix sockets' host view when unknown). Linux only. */
  readonly netns?: number;
  owners: Owner[];
  /**
   * `ok`: owners found. `none`: no process holds it (inode 0, or held only by the kernel).
   * `permission-denied`: some process fds could not be read. `gone`: its holder exited mid-walk.
   * `not-requested`: owners were not looked for (`listSockets` with `owners: false`, `ls` without `-p`).
   */
  ownerStatus: OwnerStatus;
  readonly timer?: SocketTimer;
  /**
   * IPv6 sockets only: true when IPV6_V6ONLY is set (an `::` listener that takes no IPv4), false
   * when it also takes IPv4-mapped traffic. From sock_diag; absent when read from /proc/net/tcp6.
   */
  readonly v6only?: boolean;
  readonly unix?: UnixInfo;
  readonly packet?: PacketInfo;
  /**
   * Index of the interface the socket is bound to (SO_BINDTODEVICE, or a link-local address's scope), the
   * kernel's `idiag_if`; 0 or absent when unbound. From sock_diag; absent when read from procfs. ss's `dev`.
   */
  readonly ifindex?: number;
  /** The socket's fwmark (SO_MARK), from sock_diag's INET_DIAG_MARK (needs CAP_NET_ADMIN). ss's `fwmark`. */
  readonly mark?: number;
  /** sock_diag's idiag_cookie, the kernel's id of this socket, in hex as ss -e prints it (`sk:1f3`). */
  readonly cookie?: string;
  /** cgroup v2 id of the socket's cgroup, from sock_diag's INET_DIAG_CGROUP_ID. ss's `cgroup`. */
  readonly cgroupId?: number;
  /** TCP only, when asked (`tcpInfo: true`, `ls -i`): the kernel's tcp_info, from sock_diag. */
  readonly tcpInfo?: TcpInfo;
  /** When asked (`skmem: true`, `ls -m`): the socket's memory, from sock_diag. */
  readonly skmem?: SocketMemory;
  /** When asked (`tos: true`, `ls --tos`): IPv4 TOS byte (INET_DIAG_TOS), IPv6 traffic class (INET_DIAG_TCLASS). */
  readonly tos?: number;
  readonly tclass?: number;
  /** With `tos`: the net_cls class id of the socket's cgroup (INET_DIAG_CLASS_ID); ss --tos's `class_id`. */
  readonly classId?: number;
  /**
   * With `inetSockopt` (`ls --inet-sockopt`): the IP-level options set on the socket (INET_DIAG_SOCKOPT), by
   * ss's names: `recverr`, `is_icsk`, `freebind`, `hdrincl`, `mc_loop`, `transparent`, `mc_all`, `nodefrag`,
   * `bind_addr_no_port`, `recverr_rfc4884`, `defer_connect`.
   */
  readonly inetSockopt?: readonly string[];
  /** Which directions are shut down (shutdown(2): bit 0 receive, bit 1 send), from sock_diag. ss -e's `<->`. */
  readonly shutdown?: number;
}
