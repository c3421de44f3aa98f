import { TCP_STATES } from '../../model/socket.js';
import type { Family, Socket, SocketState } from '../../model/index.js';
import { ipv4At, ipv6At } from './address.js';
import { FieldCursor, hexAt } from './hex.js';

/** Which /proc/net table a buffer holds: `tcp6` is `{ protocol: 'tcp', family: 'inet6' }`. */
export interface InetTable {
  readonly protocol: 'tcp' | 'udp' | 'udplite' | 'raw' | 'mptcp';
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

/**
 * Parses /proc/net/{tcp,udp,udplite,raw}{,6} (the text of `tcp4_seq_show` and its siblings) from
 * bytes; the first line is the header. Pure: no I/O.
 *
 * Row layout: `sl: local:port peer:port st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...`,
 * addresses as %08X words in host byte order. Results: addresses as text (IPv4-mapped IPv6 kept as
 * `::ffff:a.b.c.d`), TCP state names (`UNCONN` for an unconnected UDP/raw socket), Recv-Q/Send-Q in
 * bytes (LISTEN: Recv-Q is the accept queue; the kernel does not print the backlog here, so Send-Q
 * is 0), timers in milliseconds. Owners are left empty (`ownerStatus: 'none'`).
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
  const toMs = 1000 / (options.userHz ?? 100);
  const listenersOnly = options.listenersOnly === true && protocol === 'tcp';
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, length);
  const cursor = new FieldCursor(bytes);
  const sockets: Socket[] = [];
  let malformedRows = 0;
  let lineStart = bytes.indexOf(10) + 1;
  while (lineStart > 0 && lineStart < length) {
    let lineEnd = bytes.indexOf(10, lineStart);
    if (lineEnd < 0) lineEnd = length;
    let p = lineStart;
    while (p < lineEnd && bytes[p] !== 58) p++;
    p += 2;
    const st = p + 2 * width + 12;
    const code = hexAt(bytes, st, 2);
    if (listenersOnly && code !== TCP_LISTEN && code >= 0) return { sockets, stoppedEarly: true, malformedRows };
    const socket = parseRow(p, lineEnd, code);
    if (socket === undefined) malformedRows++;
    else sockets.push(socket);
    lineStart = lineEnd + 1;
  }
  return { sockets, stoppedEarly: false, malformedRows };

  function parseRow(p: number, end: number, code: number): Socket | undefined {
    const st = p + 2 * width + 12;
    const state: SocketState | undefined = protocol !== 'tcp' && code === TCP_CLOSE ? 'UNCONN' : TCP_STATES[code - 1];
    const localPort = hexAt(bytes, p + width + 1, 4);
    const peerPort = hexAt(bytes, p + 2 * width + 7, 4);
    const sendQ = hexAt(bytes, st + 3, 8);
    const recvQ = hexAt(bytes, st + 12, 8);
    const timerCode = hexAt(bytes, st + 21, 2);
    cursor.pos = st + 24;
    cursor.end = end;
    const when = cursor.nextHex();
    const retransmits = cursor.nextHex();
    const uid = cursor.nextDecimal();
    cursor.nextDecimal(); // timeout (unanswered zero-window probes)
    const inode = cursor.nextDecimal();
    const local = addressAt(bytes, p);
    const peer = addressAt(bytes, p + width + 6);
    if (state === undefined || local === '' || peer === '' || Number.isNaN(uid + inode)) return undefined;
    if (localPort < 0 || peerPort < 0 || sendQ < 0 || recvQ < 0 || timerCode < 0 || when < 0 || retransmits < 0) {
      return undefined;
    }
    const kind = protocol === 'tcp' ? TIMER_KINDS[timerCode] : undefined;
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
    if (kind !== undefined) Object.assign(socket, { timer: { kind, expiresMs: Math.round(when * toMs), retransmits } });
    return socket;
  }
}
