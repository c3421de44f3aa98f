import type { SocketMemory, TcpInfo } from '../../model/index.js';
import { HOST_LE } from './diag-request.js';

const OPT = { timestamps: 1, sack: 2, wscale: 4, ecn: 8, ecnSeen: 16, synData: 32, usecTs: 64 } as const;

/** Fields of struct tcp_info after tcpi_total_retrans (offset 100), by byte offset, size and unit divisor. */
const LATER: readonly [keyof TcpInfo, number, 4 | 8, number][] = [
  ['pacingRateBps', 104, 8, 1],
  ['maxPacingRateBps', 112, 8, 1],
  ['bytesAcked', 120, 8, 1],
  ['bytesReceived', 128, 8, 1],
  ['segsOut', 136, 4, 1],
  ['segsIn', 140, 4, 1],
  ['notSentBytes', 144, 4, 1],
  ['minRttMs', 148, 4, 1000],
  ['dataSegsIn', 152, 4, 1],
  ['dataSegsOut', 156, 4, 1],
  ['deliveryRateBps', 160, 8, 1],
  ['busyTimeMs', 168, 8, 1000],
  ['rwndLimitedMs', 176, 8, 1000],
  ['sndbufLimitedMs', 184, 8, 1000],
  ['delivered', 192, 4, 1],
  ['deliveredCe', 196, 4, 1],
  ['bytesSent', 200, 8, 1],
  ['bytesRetrans', 208, 8, 1],
  ['dsackDups', 216, 4, 1],
  ['reordSeen', 220, 4, 1],
  ['rcvOooPack', 224, 4, 1],
  ['sndWnd', 228, 4, 1],
  ['rcvWnd', 232, 4, 1],
  ['rehash', 236, 4, 1],
];

/**
 * Parses a `struct tcp_info` (<linux/tcp.h>) of `length` bytes at `at`, as INET_DIAG_INFO carries it
 * (host byte order; older kernels send a shorter struct, whose missing tail fields are left out).
 * Microseconds become milliseconds. Undefined when shorter than the 104 bytes every kernel since 2.6 sends. Pure.
 */
export function parseTcpInfo(
  view: DataView,
  at: number,
  length: number,
  congestion?: string,
  bbr?: TcpInfo['bbr'],
): TcpInfo | undefined {
  if (length < 104) return undefined;
  const u8 = (o: number) => view.getUint8(at + o);
  const u32 = (o: number) => view.getUint32(at + o, HOST_LE);
  const options = u8(5);
  const wscale = (options & OPT.wscale) !== 0;
  const info: Record<string, number | boolean | string | object> = {
    ...(congestion === undefined ? {} : { congestion }),
    ...(bbr === undefined ? {} : { bbr }),
    caState: u8(1),
    retransmits: u8(2),
    probes: u8(3),
    backoff: u8(4),
    timestamps: (options & OPT.timestamps) !== 0,
    sack: (options & OPT.sack) !== 0,
    ecn: (options & OPT.ecn) !== 0,
    ecnSeen: (options & OPT.ecnSeen) !== 0,
    fastOpen: (options & OPT.synData) !== 0,
    usecTimestamps: (options & OPT.usecTs) !== 0,
    ...(wscale ? { sndWscale: u8(6) & 0x0f, rcvWscale: u8(6) >> 4 } : {}),
    appLimited: (u8(7) & 1) !== 0,
    rtoMs: u32(8) / 1000,
    atoMs: u32(12) / 1000,
    mss: u32(16),
    rcvMss: u32(20),
    unacked: u32(24),
    sacked: u32(28),
    lost: u32(32),
    retrans: u32(36),
    fackets: u32(40),
    lastDataSentMs: u32(44),
    lastAckSentMs: u32(48),
    lastDataRecvMs: u32(52),
    lastAckRecvMs: u32(56),
    pmtu: u32(60),
    rcvSsthresh: u32(64),
    rttMs: u32(68) / 1000,
    rttVarMs: u32(72) / 1000,
    ssthresh: u32(76),
    cwnd: u32(80),
    advmss: u32(84),
    reordering: u32(88),
    rcvRttMs: u32(92) / 1000,
    rcvSpace: u32(96),
    totalRetrans: u32(100),
  };
  for (const [name, offset, size, divisor] of LATER) {
    if (offset + size > length) break;
    const raw = size === 4 ? u32(offset) : Number(view.getBigUint64(at + offset, HOST_LE));
    info[name] = raw / divisor;
  }
  return info as unknown as TcpInfo;
}

/** Parses `struct sk_meminfo` (SK_MEMINFO_* u32 values, 7 to 9 of them) at `at`. Undefined when too short. Pure. */
export function parseSkMemInfo(view: DataView, at: number, length: number): SocketMemory | undefined {
  if (length < 28) return undefined;
  const u32 = (i: number) => view.getUint32(at + 4 * i, HOST_LE);
  return {
    rmemAlloc: u32(0),
    rcvBuf: u32(1),
    wmemAlloc: u32(2),
    sndBuf: u32(3),
    fwdAlloc: u32(4),
    wmemQueued: u32(5),
    optMem: u32(6),
    ...(length >= 32 ? { backlog: u32(7) } : {}),
    ...(length >= 36 ? { drops: u32(8) } : {}),
  };
}

/** Parses `struct tcp_bbr_info` (INET_DIAG_BBRINFO): bandwidth (bytes/s), min RTT, gains (/256). Pure. */
export function parseBbrInfo(view: DataView, at: number, length: number): TcpInfo['bbr'] {
  if (length < 20) return undefined;
  const u32 = (i: number) => view.getUint32(at + 4 * i, HOST_LE);
  return {
    bandwidthBps: u32(1) * 2 ** 32 + u32(0),
    minRttMs: u32(2) / 1000,
    pacingGain: u32(3) / 256,
    cwndGain: u32(4) / 256,
  };
}
