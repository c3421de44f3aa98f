import { TCP_STATES } from '../../model/socket.js';
import type { Socket, SocketState, SocketTimer, TcpInfo, UnixInfo } from '../../model/index.js';
import { ipv4FromBytes, ipv6FromBytes } from './address.js';
import { AF_INET, AF_INET6, HOST_LE, NLMSG_HDRLEN, SOCK_DIAG_BY_FAMILY } from './diag-request.js';
import { walkMessages } from './diag-messages.js';
import type { InetTable } from './parse-inet.js';
import { parseBbrInfo, parseSkMemInfo, parseTcpInfo } from './parse-tcp-info.js';

const INET_DIAG_MSG = 72;
const UNIX_DIAG_MSG = 16;
/** INET_DIAG_* attribute types of <linux/inet_diag.h>. */
const INET_DIAG = {
  info: 2,
  cong: 4,
  tos: 5,
  tclass: 6,
  skmem: 7,
  shutdown: 8,
  v6only: 11,
  mark: 15,
  bbr: 16,
  classId: 17,
  cgroup: 21,
  sockopt: 22,
};
/** The bits of struct inet_diag_sockopt (two bytes, first field lowest), by ss's names. */
const SOCKOPTS = [
  'recverr',
  'is_icsk',
  'freebind',
  'hdrincl',
  'mc_loop',
  'transparent',
  'mc_all',
  'nodefrag',
  'bind_addr_no_port',
  'recverr_rfc4884',
  'defer_connect',
];

/** What to parse beyond the usual attributes. */
export interface ParseInetOptions {
  /** INET_DIAG_SOCKOPT (sent unasked; kept only when wanted). @default false */
  readonly sockopt?: boolean;
}
const UNIX_DIAG = { name: 0, peer: 2, rqlen: 4, meminfo: 5, uid: 7 } as const;
const TCP_CLOSE = 7;
const TIMER_KINDS = [undefined, 'on', 'keepalive', 'timewait', 'persist'] as const;
const UNIX_TYPES: Record<number, UnixInfo['type']> = { 1: 'stream', 2: 'dgram', 5: 'seqpacket' };

/** Parsed reply messages, and how many did not have the expected layout. */
export interface ParsedDiag {
  readonly sockets: Socket[];
  readonly malformed: number;
}

/** Calls `each(payloadStart, payloadEnd)` for every SOCK_DIAG_BY_FAMILY message of a dump. */
function forEachMessage(view: DataView, minPayload: number, each: (p: number, end: number) => void): number {
  let malformed = 0;
  const whole = walkMessages(view, (off, length) => {
    if (view.getUint16(off + 4, HOST_LE) !== SOCK_DIAG_BY_FAMILY || length < NLMSG_HDRLEN + minPayload) malformed++;
    else each(off + NLMSG_HDRLEN, off + length);
  });
  return whole ? malformed : malformed + 1;
}

/** Calls `each(type, payloadStart, payloadLength)` for every rtattr in `[p, end)`. */
function forEachAttribute(view: DataView, p: number, end: number, each: (type: number, at: number, n: number) => void) {
  while (p + 4 <= end) {
    const length = view.getUint16(p, HOST_LE);
    if (length < 4 || p + length > end) return;
    each(view.getUint16(p + 2, HOST_LE) & 0x3fff, p + 4, length - 4);
    p += (length + 3) & ~3;
  }
}

function addressAt(buf: Uint8Array, family: number, at: number): string {
  return family === AF_INET ? ipv4FromBytes(buf, at) : ipv6FromBytes(buf, at);
}

/**
 * Parses the reply of an inet_diag dump (struct inet_diag_msg of <linux/inet_diag.h>, then its
 * attributes) into sockets of `table`. Pure: no I/O. Compared with /proc/net/tcp: ports and
 * addresses are network order, the timer is already in milliseconds, LISTEN sockets carry their
 * backlog in Send-Q, and IPv6 sockets say whether they are v6-only (INET_DIAG_SKV6ONLY).
 */
export function parseInetDiag(
  buf: Uint8Array,
  table: InetTable,
  netns: number,
  options: ParseInetOptions = {},
): ParsedDiag {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const { protocol } = table;
  const sockets: Socket[] = [];
  let bad = 0;
  const malformed = forEachMessage(view, INET_DIAG_MSG, (p, end) => {
    const family = buf[p] ?? 0;
    const code = buf[p + 1] ?? 0;
    const connectionOriented = protocol === 'tcp' || protocol === 'mptcp';
    const state: SocketState | undefined = !connectionOriented && code === TCP_CLOSE ? 'UNCONN' : TCP_STATES[code - 1];
    if (state === undefined || (family !== AF_INET && family !== AF_INET6)) {
      bad++;
      return;
    }
    const socket: Socket = {
      protocol,
      family: family === AF_INET ? 'inet' : 'inet6',
      state,
      local: { address: addressAt(buf, family, p + 8), port: view.getUint16(p + 4, false) },
      peer: { address: addressAt(buf, family, p + 24), port: view.getUint16(p + 6, false) },
      recvQ: view.getUint32(p + 56, HOST_LE),
      sendQ: view.getUint32(p + 60, HOST_LE),
      inode: view.getUint32(p + 68, HOST_LE),
      uid: view.getUint32(p + 64, HOST_LE),
      netns,
      owners: [],
      ownerStatus: 'none',
    };
    const kind = protocol === 'tcp' ? TIMER_KINDS[buf[p + 2] ?? 0] : undefined;
    if (kind !== undefined) {
      const timer: SocketTimer = { kind, expiresMs: view.getUint32(p + 52, HOST_LE), retransmits: buf[p + 3] ?? 0 };
      Object.assign(socket, { timer });
    }
    const ifindex = view.getUint32(p + 40, HOST_LE);
    const [low, high] = [view.getUint32(p + 44, HOST_LE), view.getUint32(p + 48, HOST_LE)];
    const cookie = high === 0 ? low.toString(16) : `${high.toString(16)}${low.toString(16).padStart(8, '0')}`;
    Object.assign(socket, ifindex === 0 ? {} : { ifindex }, { cookie });
    Object.assign(socket, inetAttributes(view, p + INET_DIAG_MSG, end, family, options.sockopt === true));
    sockets.push(socket);
  });
  return { sockets, malformed: malformed + bad };
}

/**
 * The attributes of one inet_diag message: v6only (IPv6), fwmark and cgroup id (sent unasked, the mark to
 * CAP_NET_ADMIN only), and what the request's idiag_ext asked for: tcp_info with the congestion algorithm,
 * sk_meminfo, TOS / traffic class, shutdown state.
 */
function inetAttributes(view: DataView, p: number, end: number, family: number, sockopt: boolean): Partial<Socket> {
  const found: { -readonly [K in keyof Socket]?: Socket[K] } = {};
  let info: [number, number] | undefined;
  let congestion: string | undefined;
  let bbr: TcpInfo['bbr'];
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  forEachAttribute(view, p, end, (type, at, n) => {
    if (n < 1) return;
    if (type === INET_DIAG.v6only && family === AF_INET6) found.v6only = bytes[at] !== 0;
    else if (type === INET_DIAG.mark && n >= 4) found.mark = view.getUint32(at, HOST_LE);
    else if (type === INET_DIAG.cgroup && n >= 8) found.cgroupId = Number(view.getBigUint64(at, HOST_LE));
    else if (type === INET_DIAG.tos) found.tos = bytes[at] ?? 0;
    else if (type === INET_DIAG.tclass && family === AF_INET6) found.tclass = bytes[at] ?? 0;
    else if (type === INET_DIAG.shutdown) found.shutdown = bytes[at] ?? 0;
    else if (type === INET_DIAG.classId && n >= 4) found.classId = view.getUint32(at, HOST_LE);
    else if (type === INET_DIAG.bbr) bbr = parseBbrInfo(view, at, n);
    else if (type === INET_DIAG.sockopt && sockopt && n >= 2) {
      const bits = (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
      found.inetSockopt = SOCKOPTS.filter((_, i) => (bits & (1 << i)) !== 0);
    } else if (type === INET_DIAG.skmem) {
      const skmem = parseSkMemInfo(view, at, n);
      if (skmem !== undefined) found.skmem = skmem;
    } else if (type === INET_DIAG.info) info = [at, n];
    else if (type === INET_DIAG.cong) {
      const nul = bytes.indexOf(0, at);
      congestion = Buffer.from(bytes.subarray(at, nul < 0 || nul > at + n ? at + n : nul)).toString();
    }
  });
  if (info !== undefined) {
    const tcpInfo = parseTcpInfo(view, info[0], info[1], congestion, bbr);
    if (tcpInfo !== undefined) found.tcpInfo = tcpInfo;
  }
  return found;
}

/** A unix socket name as /proc/net/unix prints it: `@` for the abstract prefix and for any NUL inside. */
function unixName(bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  if (bytes[0] !== 0) {
    const nul = bytes.indexOf(0);
    return Buffer.from(nul < 0 ? bytes : bytes.subarray(0, nul)).toString();
  }
  return Buffer.from(bytes.map((b) => (b === 0 ? 64 : b))).toString();
}

function unixState(code: number): SocketState {
  if (code === 10) return 'LISTEN';
  if (code === 1) return 'ESTABLISHED';
  if (code === 2) return 'SYN_SENT';
  return 'UNCONN';
}

/**
 * Parses the reply of a unix_diag dump (struct unix_diag_msg of <linux/unix_diag.h> with the NAME,
 * PEER, RQLEN and UID attributes) into sockets. Pure: no I/O. Unlike /proc/net/unix it gives the
 * uid, Recv-Q/Send-Q (LISTEN: accept queue and backlog) and the peer's inode (`unix.peerInode`).
 */
export function parseUnixDiag(buf: Uint8Array, netns: number): ParsedDiag {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const sockets: Socket[] = [];
  let bad = 0;
  const malformed = forEachMessage(view, UNIX_DIAG_MSG, (p, end) => {
    const type = UNIX_TYPES[buf[p + 1] ?? 0];
    if (type === undefined) {
      bad++;
      return;
    }
    let path = '';
    let abstract = false;
    let peerInode: number | undefined;
    let recvQ = 0;
    let sendQ = 0;
    let uid = -1;
    let skmem: Socket['skmem'];
    forEachAttribute(view, p + UNIX_DIAG_MSG, end, (attribute, at, n) => {
      if (attribute === UNIX_DIAG.name) {
        path = unixName(buf.subarray(at, at + n));
        abstract = n > 0 && buf[at] === 0;
      } else if (attribute === UNIX_DIAG.peer && n >= 4) peerInode = view.getUint32(at, HOST_LE);
      else if (attribute === UNIX_DIAG.uid && n >= 4) uid = view.getUint32(at, HOST_LE);
      else if (attribute === UNIX_DIAG.meminfo) skmem = parseSkMemInfo(view, at, n);
      else if (attribute === UNIX_DIAG.rqlen && n >= 8) {
        recvQ = view.getUint32(at, HOST_LE);
        sendQ = view.getUint32(at + 4, HOST_LE);
      }
    });
    sockets.push({
      protocol: 'unix',
      family: 'unix',
      state: unixState(buf[p + 2] ?? 0),
      local: { address: path, port: 0 },
      peer: { address: '', port: 0 },
      recvQ,
      sendQ,
      inode: view.getUint32(p + 4, HOST_LE),
      uid,
      netns,
      owners: [],
      ownerStatus: 'none',
      unix: peerInode === undefined || peerInode === 0 ? { type, abstract } : { type, abstract, peerInode },
      ...(skmem === undefined ? {} : { skmem }),
    });
  });
  return { sockets, malformed: malformed + bad };
}
