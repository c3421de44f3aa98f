import { TCP_STATES, type Family, type Socket, type SocketState, type SocketTimer } from '../../model/index.js';
import { ipv4At, ipv6At } from './address.js';
import { decimalAt, hexAt } from './hex.js';

/** Which /proc/net table a buffer holds: `tcp6` is `{ protocol: 'tcp', family: 'inet6' }`. */
export interface InetTable {
  readonly protocol: 'tcp' | 'udp' | 'udplite' | 'raw';
  readonly family: Exclude<Family, 'unix'>;
}

/** How to parse an inet table. */
export interface ParseInetOptions {
  /** Inode of the network namespace the table was read from; copied into each socket. */
  readonly netns: number;
  /** Stop at the first TCP row that is not LISTEN (the kernel lists listeners first). @default false */
  readonly listenersOnly?: boolean;
  /** The kernel's USER_HZ, the unit of `tm->when`. @default 100 */
  readonly userHz?: number;
}

/** The parsed rows, and whether parsing stopped before the end (listeners-only). */
export interface ParsedTable {
  readonly sockets: Socket[];
  readonly stoppedEarly: boolean;
  /** Rows that did not have the expected layout and were skipped. */
  readonly malformedRows: number;
}

const TIMER_KINDS = [undefined, 'on', 'keepalive', 'timewait', 'persist'] as const;
const TCP_LISTEN = 0x0a;
const TCP_CLOSE = 0x07;

function stateOf(protocol: InetTable['protocol'], code: number): SocketState | undefined {
  if (protocol !== 'tcp' && code === TCP_CLOSE) return 'UNCONN';
  return TCP_STATES[code - 1];
}

/** Index of the first byte of `value` at or after `from`, or `end`. */
function indexOf(buf: Uint8Array, value: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === value) return i;
  return end;
}

/** Hex digits from `at` up to the next space: [value, index of the space]. */
function hexToSpace(buf: Uint8Array, at: number, end: number): [number, number] {
  const stop = indexOf(buf, 32, at, end);
  return [hexAt(buf, at, stop - at), stop];
}

/**
 * Parses /proc/net/{tcp,udp,udplite,raw}{,6} (the text of `tcp4_seq_show` and its siblings) from
 * bytes. The first line is the header. Pure: no I/O.
 *
 * Shapes: addresses as text (IPv4-mapped IPv6 kept as `::ffff:a.b.c.d`), ports as numbers, TCP
 * state names, Recv-Q/Send-Q in bytes (LISTEN: Recv-Q is the accept queue; the kernel does not print
 * the backlog here, so Send-Q is 0), timers in milliseconds. Owners are left empty (`ownerStatus: 'none'`).
 */
export function parseInetTable(
  buf: Uint8Array,
  length: number,
  table: InetTable,
  options: ParseInetOptions,
): ParsedTable {
  const { protocol, family } = table;
  const addressAt = family === 'inet' ? ipv4At : ipv6At;
  const width = family === 'inet' ? 8 : 32;
  const userHz = options.userHz ?? 100;
  const sockets: Socket[] = [];
  let malformedRows = 0;
  let lineStart = indexOf(buf, 10, 0, length) + 1;
  while (lineStart < length) {
    const lineEnd = indexOf(buf, 10, lineStart, length);
    const p = indexOf(buf, 58, lineStart, lineEnd) + 2;
    const st = p + 2 * width + 12;
    const code = hexAt(buf, st, 2);
    if (options.listenersOnly === true && protocol === 'tcp' && code !== TCP_LISTEN && code >= 0) {
      return { sockets, stoppedEarly: true, malformedRows };
    }
    const socket = parseRow(buf, p, lineEnd, width, code);
    if (socket === undefined) malformedRows++;
    else sockets.push(socket);
    lineStart = lineEnd + 1;
  }
  return { sockets, stoppedEarly: false, malformedRows };

  function parseRow(b: Uint8Array, p: number, end: number, w: number, code: number): Socket | undefined {
    const st = p + 2 * w + 12;
    const state = stateOf(protocol, code);
    const localPort = hexAt(b, p + w + 1, 4);
    const peerPort = hexAt(b, p + 2 * w + 7, 4);
    const sendQ = hexAt(b, st + 3, 8);
    const recvQ = hexAt(b, st + 12, 8);
    const timerCode = hexAt(b, st + 21, 2);
    const [when, whenEnd] = hexToSpace(b, st + 24, end);
    const [retransmits, retrEnd] = hexToSpace(b, whenEnd + 1, end);
    const [uid, uidEnd] = decimalAt(b, retrEnd, end);
    const [, timeoutEnd] = decimalAt(b, uidEnd, end);
    const [inode] = decimalAt(b, timeoutEnd, end);
    const local = addressAt(b, p);
    const peer = addressAt(b, p + w + 6);
    const numbers = [localPort, peerPort, sendQ, recvQ, timerCode, when, retransmits];
    if (state === undefined || local === '' || peer === '' || numbers.some((n) => n < 0)) return undefined;
    if (Number.isNaN(uid) || Number.isNaN(inode)) return undefined;
    const socket: Socket = {
      protocol,
      family,
      state,
      local: { address: local, port: localPort },
      peer: { address: peer, port: peerPort },
      recvQ,
      sendQ,
      inode,
      uid,
      netns: options.netns,
      owners: [],
      ownerStatus: 'none',
    };
    const kind = protocol === 'tcp' ? TIMER_KINDS[timerCode] : undefined;
    if (kind === undefined) return socket;
    const timer: SocketTimer = { kind, expiresMs: Math.round((when * 1000) / userHz), retransmits };
    return { ...socket, timer };
  }
}
