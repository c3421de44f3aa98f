import { cgroupPath } from '../../inventory/linux/cgroup-path.js';
import type { Socket, TcpInfo } from '../../model/index.js';

/** C's `%g` (`%.Ng`): N significant digits, trailing zeros dropped, exponent form outside 1e-4..1eN. */
export function formatG(x: number, digits = 6): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  const exponent = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(digits)))));
  if (exponent < -4 || exponent >= digits) {
    const [mantissa = '', power = '0'] = x.toExponential(digits - 1).split('e');
    const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
    const p = Number(power);
    return `${trimmed}e${p < 0 ? '-' : '+'}${String(Math.abs(p)).padStart(2, '0')}`;
  }
  return String(Number(x.toPrecision(digits)));
}

/** A rate in bits per second as ss prints it: `%.0f` with `-n`, else 3 digits and k/M/G/T. */
export function bitRateLabel(bitsPerSec: number, numeric: boolean): string {
  if (numeric) return bitsPerSec.toFixed(0);
  for (const [scale, suffix] of [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const) {
    if (bitsPerSec >= scale) return `${formatG(bitsPerSec / scale, 3)}${suffix}`;
  }
  return formatG(bitsPerSec);
}

const UNSET_U64 = 2 ** 64 - 4096; // ~0ULL, as a double
const UNSET_MIN_RTT_MS = 0xffffffff / 1000;

function flags(t: TcpInfo, withOptions: boolean): string[] {
  const out: string[] = [];
  if (withOptions) {
    if (t.timestamps) out.push('ts');
    if (t.usecTimestamps) out.push('usec_ts');
    if (t.sack) out.push('sack');
    if (t.ecn) out.push('ecn');
    if (t.ecnSeen) out.push('ecnseen');
    if (t.fastOpen) out.push('fastopen');
  }
  if (t.congestion !== undefined && t.congestion !== '') out.push(t.congestion);
  if (t.sndWscale !== undefined) out.push(`wscale:${String(t.sndWscale)},${String(t.rcvWscale ?? 0)}`);
  return out;
}

/**
 * A socket's tcp_info as `ss -i` prints it (iproute2's tcp_stats_print: each item only when non-zero, in
 * ss's order). `withOptions` (ss -o) adds the negotiated options (`ts sack ecn`). '' without tcpInfo.
 */
export function tcpInfoLabel(socket: Socket, numeric: boolean, withOptions: boolean): string {
  const t = socket.tcpInfo;
  if (t === undefined) return '';
  const out = flags(t, withOptions);
  const add = (name: string, value: number | undefined, text = String(value)) => {
    if (value !== undefined && value !== 0) out.push(`${name}:${text}`);
  };
  if (t.rtoMs !== 3000) add('rto', t.rtoMs, formatG(t.rtoMs));
  add('backoff', t.backoff);
  add('rtt', t.rttMs, `${formatG(t.rttMs)}/${formatG(t.rttVarMs)}`);
  add('ato', t.atoMs, formatG(t.atoMs));
  add('mss', t.mss);
  add('pmtu', t.pmtu);
  add('rcvmss', t.rcvMss);
  add('advmss', t.advmss);
  add('cwnd', t.cwnd);
  if (t.ssthresh < 0xffff) add('ssthresh', t.ssthresh);
  add('bytes_sent', t.bytesSent);
  add('bytes_retrans', t.bytesRetrans);
  add('bytes_acked', t.bytesAcked);
  add('bytes_received', t.bytesReceived);
  add('segs_out', t.segsOut);
  add('segs_in', t.segsIn);
  add('data_segs_out', t.dataSegsOut);
  add('data_segs_in', t.dataSegsIn);
  if (t.bbr !== undefined) {
    const { bandwidthBps, minRttMs, pacingGain, cwndGain } = t.bbr;
    const gains =
      (pacingGain > 0 ? `,pacing_gain:${formatG(pacingGain)}` : '') +
      (cwndGain > 0 ? `,cwnd_gain:${formatG(cwndGain)}` : '');
    out.push(`bbr:(bw:${bitRateLabel(bandwidthBps * 8, numeric)}bps,mrtt:${formatG(minRttMs)}${gains})`);
  }
  if (t.rttMs > 0 && t.mss > 0 && t.cwnd > 0)
    out.push(`send ${bitRateLabel((t.cwnd * t.mss * 8000) / t.rttMs, numeric)}bps`);
  add('lastsnd', t.lastDataSentMs);
  add('lastrcv', t.lastDataRecvMs);
  add('lastack', t.lastAckRecvMs);
  const pacing = t.pacingRateBps ?? 0;
  if (pacing > 0 && pacing < UNSET_U64) {
    const max = t.maxPacingRateBps ?? 0;
    const cap = max > 0 && max < UNSET_U64 ? `/${bitRateLabel(max * 8, numeric)}bps` : '';
    out.push(`pacing_rate ${bitRateLabel(pacing * 8, numeric)}bps${cap}`);
  }
  if ((t.deliveryRateBps ?? 0) > 0) out.push(`delivery_rate ${bitRateLabel((t.deliveryRateBps ?? 0) * 8, numeric)}bps`);
  add('delivered', t.delivered);
  add('delivered_ce', t.deliveredCe);
  if (t.appLimited) out.push('app_limited');
  const busy = t.busyTimeMs ?? 0;
  if (busy > 0) {
    out.push(`busy:${String(Math.floor(busy))}ms`);
    const part = (name: string, ms: number | undefined) => {
      if (ms !== undefined && ms > 0)
        out.push(`${name}:${String(Math.floor(ms))}ms(${((100 * ms) / busy).toFixed(1)}%)`);
    };
    part('rwnd_limited', t.rwndLimitedMs);
    part('sndbuf_limited', t.sndbufLimitedMs);
  }
  add('unacked', t.unacked);
  if (t.retrans > 0 || t.totalRetrans > 0) out.push(`retrans:${String(t.retrans)}/${String(t.totalRetrans)}`);
  add('lost', t.lost);
  if (socket.state !== 'LISTEN') add('sacked', t.sacked);
  add('dsack_dups', t.dsackDups);
  add('fackets', t.fackets);
  if (t.reordering !== 3) out.push(`reordering:${String(t.reordering)}`);
  add('reord_seen', t.reordSeen);
  add('rcv_rtt', t.rcvRttMs, formatG(t.rcvRttMs));
  add('rcv_space', t.rcvSpace);
  add('rcv_ssthresh', t.rcvSsthresh);
  add('notsent', t.notSentBytes);
  if (t.minRttMs !== undefined && t.minRttMs !== UNSET_MIN_RTT_MS) add('minrtt', t.minRttMs, formatG(t.minRttMs));
  add('rcv_ooopack', t.rcvOooPack);
  add('snd_wnd', t.sndWnd);
  add('rcv_wnd', t.rcvWnd);
  add('rehash', t.rehash);
  return out.join(' ');
}

/** Socket memory as `ss -m` prints it: `skmem:(r0,rb131072,t0,tb2626560,f0,w0,o0,bl0,d0)`; '' without it. */
export function skmemLabel(socket: Socket): string {
  const m = socket.skmem;
  if (m === undefined) return '';
  const tail =
    (m.backlog === undefined ? '' : `,bl${String(m.backlog)}`) + (m.drops === undefined ? '' : `,d${String(m.drops)}`);
  const values = [m.rmemAlloc, m.rcvBuf, m.wmemAlloc, m.sndBuf, m.fwdAlloc, m.wmemQueued, m.optMem];
  const names = ['r', 'rb', 't', 'tb', 'f', 'w', 'o'];
  return `skmem:(${values.map((v, i) => `${names[i] ?? ''}${String(v)}`).join(',')}${tail})`;
}

/** C's `%#x`: `0x10`, and `0` for zero. */
function hexAlt(n: number): string {
  return n === 0 ? '0' : `0x${n.toString(16)}`;
}

/** TOS, traffic class and class id as `ss --tos` prints them: `tos:0x10 class_id:0`; '' when not asked. */
export function tosLabel(socket: Socket): string {
  const out: string[] = [];
  if (socket.tos !== undefined) out.push(`tos:${hexAlt(socket.tos)}`);
  if (socket.tclass !== undefined) out.push(`tclass:${hexAlt(socket.tclass)}`);
  if (socket.classId !== undefined) out.push(`class_id:${hexAlt(socket.classId)}`);
  return out.join(' ');
}

/** IP-level options as `ss --inet-sockopt` prints them: `inet-sockopt: ( is_icsk mc_loop)`; '' when not asked. */
export function inetSockoptLabel(socket: Socket): string {
  const names = socket.inetSockopt;
  return names === undefined ? '' : `inet-sockopt: (${names.map((n) => ` ${n}`).join('')})`;
}

/**
 * ss -e's details of an inet socket: `uid:1000 ino:4242 sk:1f3 fwmark:0x2a cgroup:/x v6only:1 <->` (uid when
 * not root, fwmark and cgroup when set, v6only for IPv6, the shutdown state `<->` with `-` for a closed
 * direction). '' for unix sockets (ss -e prints their shutdown and file only, which are not read).
 */
export function extendedLabel(socket: Socket): string {
  if (socket.family === 'unix') return '';
  const out: string[] = [];
  if (socket.uid !== undefined && socket.uid > 0) out.push(`uid:${String(socket.uid)}`);
  if (socket.inode !== undefined) out.push(`ino:${String(socket.inode)}`);
  if (socket.cookie !== undefined) out.push(`sk:${socket.cookie}`);
  if (socket.mark !== undefined && socket.mark !== 0) out.push(`fwmark:0x${socket.mark.toString(16)}`);
  const cgroup = socket.cgroupId === undefined || socket.cgroupId === 0 ? '' : cgroupLabel(socket);
  if (cgroup !== '') out.push(cgroup);
  if (socket.family === 'inet6' && socket.v6only !== undefined) out.push(`v6only:${socket.v6only ? '1' : '0'}`);
  const shut = socket.shutdown;
  if (shut !== undefined) out.push(`${(shut & 1) !== 0 ? '-' : '<'}-${(shut & 2) !== 0 ? '-' : '>'}`);
  return out.join(' ');
}

/** A socket's cgroup as `ss --cgroup` prints it: `cgroup:/system.slice/nginx.service`, `cgroup:unreachable:ID`. */
export function cgroupLabel(socket: Socket): string {
  if (socket.cgroupId === undefined) return '';
  return `cgroup:${cgroupPath(socket.cgroupId) ?? `unreachable:${socket.cgroupId.toString(16)}`}`;
}
