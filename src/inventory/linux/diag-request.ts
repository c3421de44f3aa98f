import { endianness } from 'node:os';
import { TCP_STATES } from '../../model/socket.js';
import type { SocketState, TcpState } from '../../model/index.js';

/**
 * sock_diag requests (NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY dumps), as bytes for the native
 * addon to send. Layouts from <linux/netlink.h>, <linux/inet_diag.h> and <linux/unix_diag.h>.
 */

export const SOCK_DIAG_BY_FAMILY = 20;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
export const NLMSG_HDRLEN = 16;

/** Address family numbers of <sys/socket.h>. */
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** IP protocol numbers that inet_diag dumps by. */
export const IPPROTO = { tcp: 6, udp: 17, udplite: 136, raw: 255, mptcp: 262 } as const;

const INET_DIAG_REQ_BYTECODE = 1;
const INET_DIAG_REQ_PROTOCOL = 3;
const INET_DIAG_BC_JMP = 1;
const INET_DIAG_BC_S_EQ = 11;

/** UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID. */
const UNIX_SHOW = 0x01 | 0x04 | 0x10 | 0x40;
const UDIAG_SHOW_MEMINFO = 0x20;

/** What else to ask sock_diag for, beyond what every dump carries (see {@link diagExtensions}). */
export interface DiagExtensionOptions {
  /** tcp_info and the congestion algorithm (ss -i). */
  readonly tcpInfo?: boolean;
  /** sk_meminfo (ss -m). */
  readonly skmem?: boolean;
  /** IPv4 TOS and IPv6 traffic class (ss --tos). */
  readonly tos?: boolean;
  /** IP-level socket options (ss --inet-sockopt); the kernel sends them unasked, the parser keeps them. */
  readonly inetSockopt?: boolean;
}

/** The inet request's idiag_ext bits (bit N-1 asks for attribute N) and the unix request's extra udiag_show bits. */
export interface DiagExtensions {
  readonly inet: number;
  readonly unix: number;
  /** Keep INET_DIAG_SOCKOPT. */
  readonly sockopt: boolean;
}

/**
 * idiag_ext for `options`: INET_DIAG_INFO (2), VEGASINFO (3) and CONG (4) for tcp_info, SKMEMINFO (7) for
 * memory, TOS (5) and TCLASS (6), and SHUTDOWN (8) with any of them; UDIAG_SHOW_MEMINFO for unix memory.
 */
export function diagExtensions(options: DiagExtensionOptions): DiagExtensions {
  const bit = (attribute: number) => 1 << (attribute - 1);
  let inet = 0;
  if (options.tcpInfo === true) inet |= bit(2) | bit(3) | bit(4);
  if (options.skmem === true) inet |= bit(7);
  if (options.tos === true) inet |= bit(5) | bit(6);
  if (inet !== 0) inet |= bit(8);
  return { inet, unix: options.skmem === true ? UDIAG_SHOW_MEMINFO : 0, sockopt: options.inetSockopt === true };
}

/** Netlink and the diag structs are in host byte order (ports and addresses excepted). */
export const HOST_LE = endianness() === 'LE';

function message(payloadLength: number): { buf: Buffer; view: DataView; payload: number } {
  const buf = Buffer.alloc(NLMSG_HDRLEN + payloadLength);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  view.setUint32(0, buf.length, HOST_LE); // nlmsg_len
  view.setUint16(4, SOCK_DIAG_BY_FAMILY, HOST_LE);
  view.setUint16(6, NLM_F_REQUEST | NLM_F_DUMP, HOST_LE);
  return { buf, view, payload: NLMSG_HDRLEN };
}

/**
 * An inet_diag_req_v2 dump of one family and protocol. `states` is the kernel's bit mask
 * (bit N = TCP state N, e.g. 1 << 10 for LISTEN). For raw sockets the request's `pad` byte is
 * `sdiag_raw_protocol`, and IPPROTO_RAW (255) there asks for raw sockets of every protocol.
 * With `localPorts`, an INET_DIAG_REQ_BYTECODE attribute (and, for one TCP or UDP port, the id's
 * `idiag_sport`: see writeOnePort) makes the kernel keep only sockets bound
 * to one of those ports, as `ss` compiles `sport = :A or sport = :B`: per port
 * `[S_EQ, yes 8, no 12] [0, 0, port]` (a true test goes on to the JMP, a false one skips it),
 * then, but for the last port, `[JMP, yes 4, no to the end]`; reaching the end exactly accepts,
 * a false last test jumps 4 bytes past it and rejects.
 * A protocol above 255 (IPPROTO_MPTCP, 262) does not fit `sdiag_protocol`: it goes in an
 * INET_DIAG_REQ_PROTOCOL attribute (Linux 5.9), as `ss -M` sends it.
 * `extensions` is idiag_ext (see {@link diagExtensions}).
 */
export function inetDiagRequest(
  family: number,
  protocol: number,
  states: number,
  localPorts: readonly number[] = [],
  extensions = 0,
): Buffer {
  const wide = protocol > 255;
  const program = portProgramLength(localPorts);
  const { buf, view, payload } = message(56 + (program === 0 ? 0 : 4 + program) + (wide ? 8 : 0));
  if (wide) {
    const at = buf.length - 8;
    view.setUint16(at, 8, HOST_LE); // nla_len
    view.setUint16(at + 2, INET_DIAG_REQ_PROTOCOL, HOST_LE);
    view.setUint32(at + 4, protocol, HOST_LE);
  }
  writePortProgram(view, payload + 56, localPorts);
  writeOnePort(view, payload + 8, protocol, localPorts);
  view.setUint8(payload, family);
  view.setUint8(payload + 1, protocol & 0xff);
  view.setUint8(payload + 2, extensions); // idiag_ext; SKV6ONLY, MARK and CGROUP_ID come unasked
  view.setUint8(payload + 3, protocol === IPPROTO.raw ? IPPROTO.raw : 0);
  view.setUint32(payload + 4, states >>> 0, HOST_LE);
  return buf;
}

/** The nlmsg_type of the inet_diag requests older than SOCK_DIAG_BY_FAMILY, and of their replies' messages. */
export const TCPDIAG_GETSOCK = 18;

/**
 * A TCP dump of both families in one request: the older inet_diag request (TCPDIAG_GETSOCK, struct
 * inet_diag_req), which the kernel runs with family AF_UNSPEC, so that it walks its TCP hash (shared by
 * both families and every namespace) once, where a {@link inetDiagRequest} per family walks it twice. For
 * a query on a few ports (`who`) the walk is most of the dump's cost (~45 ms of CPU per walk at 100k
 * sockets). Same state mask, port bytecode and idiag_ext; the reply's messages carry nlmsg_type
 * TCPDIAG_GETSOCK instead of SOCK_DIAG_BY_FAMILY, in the kernel's hash order (families interleaved).
 */
export function tcpBothFamiliesRequest(states: number, localPorts: readonly number[] = [], extensions = 0): Buffer {
  const program = portProgramLength(localPorts);
  const { buf, view, payload } = message(60 + (program === 0 ? 0 : 4 + program));
  view.setUint16(4, TCPDIAG_GETSOCK, HOST_LE);
  writePortProgram(view, payload + 60, localPorts);
  writeOnePort(view, payload + 4, IPPROTO.tcp, localPorts);
  // idiag_family (ignored by the kernel: AF_UNSPEC), idiag_src_len, idiag_dst_len, then idiag_ext;
  // the 48-byte socket id stays zero; idiag_states follows it.
  view.setUint8(payload + 3, extensions);
  view.setUint32(payload + 52, states >>> 0, HOST_LE);
  return buf;
}

/**
 * For one TCP, UDP or UDP-Lite port, also the socket id's `idiag_sport` (network order) at `id`: the kernel
 * compares it before running the bytecode, which costs more per socket (~20% of a port query's walk at
 * 100k sockets). The bytecode stays: a kernel that skipped this test would still filter.
 */
function writeOnePort(view: DataView, id: number, protocol: number, localPorts: readonly number[]): void {
  const [port] = localPorts;
  const ported = protocol === IPPROTO.tcp || protocol === IPPROTO.udp || protocol === IPPROTO.udplite;
  if (localPorts.length === 1 && port !== undefined && ported) view.setUint16(id, port, false);
}

/** Length of the bytecode of {@link writePortProgram} (0 without ports). */
function portProgramLength(localPorts: readonly number[]): number {
  return localPorts.length === 0 ? 0 : 12 * localPorts.length - 4;
}

/** Writes the INET_DIAG_REQ_BYTECODE attribute of `localPorts` at `at` (nothing without ports). */
function writePortProgram(view: DataView, at: number, localPorts: readonly number[]): void {
  const program = portProgramLength(localPorts);
  if (program === 0) return;
  view.setUint16(at, 4 + program, HOST_LE); // nla_len
  view.setUint16(at + 2, INET_DIAG_REQ_BYTECODE, HOST_LE);
  localPorts.forEach((port, i) => {
    const op = at + 4 + 12 * i;
    view.setUint8(op, INET_DIAG_BC_S_EQ);
    view.setUint8(op + 1, 8); // yes: on to the JMP (or, for the last port, the end = accept)
    view.setUint16(op + 2, 12, HOST_LE); // no: past the JMP to the next test (or 4 bytes past the end = reject)
    view.setUint16(op + 6, port, HOST_LE); // the second op's `no` field holds the port
    if (i < localPorts.length - 1) {
      view.setUint8(op + 8, INET_DIAG_BC_JMP);
      view.setUint8(op + 9, 4);
      view.setUint16(op + 10, 12 * (localPorts.length - 1 - i), HOST_LE); // exactly to the end = accept
    }
  });
}

/** A unix_diag_req dump of every unix socket with its name, peer, queue lengths and uid (and `show` bits). */
export function unixDiagRequest(show = 0): Buffer {
  const { buf, view, payload } = message(24);
  view.setUint8(payload, AF_UNIX);
  view.setUint32(payload + 4, 0xffffffff, HOST_LE); // udiag_states: all
  view.setUint32(payload + 12, UNIX_SHOW | show, HOST_LE);
  return buf;
}

/**
 * The kernel's TCP state bit mask for `states` (bit N = state N of TCP_STATES, 1-based). SYN_RECV
 * also sets NEW_SYN_RECV (12), the state request sockets are dumped by.
 */
export function tcpStateMask(states: Iterable<SocketState>): number {
  let mask = 0;
  for (const state of states) {
    const code = TCP_STATES.indexOf(state as TcpState) + 1;
    if (code > 0) mask |= 1 << code;
    if (state === 'SYN_RECV') mask |= 1 << 12;
  }
  return mask >>> 0;
}
