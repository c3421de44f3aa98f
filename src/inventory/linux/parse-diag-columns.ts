import { ipv6FromBytes } from './address.js';
import { AF_INET, AF_INET6, HOST_LE, NLMSG_HDRLEN, SOCK_DIAG_BY_FAMILY, TCPDIAG_GETSOCK } from './diag-request.js';
import { walkMessages } from './diag-messages.js';
import type { NativeAddon } from './native.js';
import { COLUMN_PROTOCOLS, columnState, type ColumnsBuilder } from './socket-columns.js';

const INET_DIAG_MSG = 72;
const INET_DIAG_SKV6ONLY = 11;
/** Smallest socket message: shorter ones are skipped. */
const MIN_MESSAGE = NLMSG_HDRLEN + INET_DIAG_MSG;

/**
 * Which rows to keep, by protocol index, family and state code: `keep[(protocol * 2 + isInet6) * 16 + code]`
 * (see {@link keepTable}). Undefined keeps every row.
 */
export type KeepTable = Uint8Array;

/**
 * Appends the sockets of one inet_diag dump reply (as parseInetDiag reads it: struct inet_diag_msg of
 * <linux/inet_diag.h>, then its attributes, of which only INET_DIAG_SKV6ONLY is kept, and the columns' details
 * when they hold them) to `columns`, as rows of protocol index `protocol` (COLUMN_PROTOCOLS) in namespace `netns`. Messages parseInetDiag skips (another
 * type, too short, an unknown state or family) are skipped; a truncated message ends the reply, as there.
 * Rows `keep` says no to are not added. With `family` (AF_INET or AF_INET6), only the sockets of that family
 * are: a TCP reply of both families (tcpBothFamiliesRequest, its messages of type TCPDIAG_GETSOCK) appended
 * once per family gives the rows of the two per-family replies, in their order. Pure: no I/O.
 */
export function appendInetDiag(
  columns: ColumnsBuilder,
  buf: Uint8Array,
  protocol: number,
  netns: number,
  keep?: KeepTable,
  family?: number,
): void {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const count = messageCount(view, buf, family);
  if (count === 0) return; // as the rest would find: a family with no socket in a reply of both
  columns.reserve(count);
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.byteLength) {
    const length = view.getUint32(off, HOST_LE);
    if (length < NLMSG_HDRLEN || off + length > buf.byteLength) return;
    if (isSocketMessage(view, off, length) && (family === undefined || buf[off + NLMSG_HDRLEN] === family)) {
      appendMessage(columns, buf, view, off + NLMSG_HDRLEN, off + length, protocol, netns, keep);
    }
    off += (length + 3) & ~3;
  }
}

/** Whether the message at `off` is a socket's: of a per-family dump, or of a TCP dump of both families. */
function isSocketMessage(view: DataView, off: number, length: number): boolean {
  const type = view.getUint16(off + 4, HOST_LE);
  return (type === SOCK_DIAG_BY_FAMILY || type === TCPDIAG_GETSOCK) && length >= MIN_MESSAGE;
}

/**
 * The socket messages of a reply, counted before any is read: the rows to reserve. Reserving by the reply's
 * size over the smallest message's (72 + 16 bytes) made room for ~1.4x the rows of a dump with attributes
 * (~124 bytes a message), which the doubling of ColumnsBuilder could turn into twice the arrays (1M sockets:
 * ~60 MB more to zero and copy).
 */
function messageCount(view: DataView, buf: Uint8Array, family: number | undefined): number {
  let count = 0;
  walkMessages(view, (off, length) => {
    if (isSocketMessage(view, off, length) && (family === undefined || buf[off + NLMSG_HDRLEN] === family)) count++;
  });
  return count;
}

function appendMessage(
  columns: ColumnsBuilder,
  buf: Uint8Array,
  view: DataView,
  p: number,
  end: number,
  protocol: number,
  netns: number,
  keep: KeepTable | undefined,
): void {
  const family = buf[p] ?? 0;
  const code = buf[p + 1] ?? 0;
  if ((family !== AF_INET && family !== AF_INET6) || code > 15 || columnState(protocol, code) === undefined) return;
  const inet6 = family === AF_INET6 ? 1 : 0;
  if (keep !== undefined && keep[(protocol * 2 + inet6) * 16 + code] === 0) return;
  const row = columns.length;
  columns.protocol[row] = protocol;
  columns.family[row] = inet6 === 1 ? 6 : 4;
  columns.state[row] = code;
  columns.localAddress[row] = addressIndex(columns, buf, view, family, p + 8);
  columns.peerAddress[row] = addressIndex(columns, buf, view, family, p + 24);
  columns.localPort[row] = view.getUint16(p + 4, false);
  columns.peerPort[row] = view.getUint16(p + 6, false);
  columns.recvQ[row] = view.getUint32(p + 56, HOST_LE);
  columns.sendQ[row] = view.getUint32(p + 60, HOST_LE);
  columns.uid[row] = view.getUint32(p + 64, HOST_LE);
  columns.inode[row] = view.getUint32(p + 68, HOST_LE);
  columns.netns[row] = netns;
  let v6only = -1;
  for (let a = p + INET_DIAG_MSG; a + 4 <= end;) {
    const n = view.getUint16(a, HOST_LE);
    if (n < 4 || a + n > end) break;
    if ((view.getUint16(a + 2, HOST_LE) & 0x3fff) === INET_DIAG_SKV6ONLY && inet6 === 1 && n > 4) {
      v6only = buf[a + 4] === 0 ? 0 : 1;
    }
    a += (n + 3) & ~3;
  }
  columns.v6only[row] = v6only;
  columns.details?.set(row, buf, view, p, end, protocol === 0);
  columns.length = row + 1;
}

/** The string-table index of the address at `buf[at]` (4 or 16 bytes, network order). */
export function addressIndex(
  columns: ColumnsBuilder,
  buf: Uint8Array,
  view: DataView,
  family: number,
  at: number,
): number {
  if (family === AF_INET) return columns.v4(view.getUint32(at, false), dottedQuad);
  const key = Buffer.from(buf.buffer, buf.byteOffset + at, 16).toString('latin1');
  return columns.v6(key, () => ipv6FromBytes(buf, at));
}

/** An IPv4 address (network order, as a number) as ipv4FromBytes prints it. */
function dottedQuad(word: number): string {
  return `${String(word >>> 24)}.${String((word >>> 16) & 0xff)}.${String((word >>> 8) & 0xff)}.${String(word & 0xff)}`;
}

/** The keep table of every state a row can have (columnState defined): what appendInetDiag keeps without one. */
const EVERY_STATE: KeepTable = (() => {
  const keep = new Uint8Array(COLUMN_PROTOCOLS.length * 2 * 16);
  for (let p = 0; p < COLUMN_PROTOCOLS.length; p++)
    for (let code = 0; code < 16; code++) {
      const defined = columnState(p, code) === undefined ? 0 : 1;
      keep[p * 32 + code] = defined;
      keep[p * 32 + 16 + code] = defined;
    }
  return keep;
})();

/**
 * {@link appendInetDiag} by the addon's parser (native/diag-columns.c), for columns without details: the same
 * rows and string table. The addon numbers the reply's distinct addresses itself, in the order first met;
 * they are then numbered here in that order as appendInetDiag would have met them, and the rows' address
 * columns renumbered when those numbers differ (a string table that already held addresses).
 * @throws Error with `code` EINVAL (ENOMEM) as the addon's inetColumns.
 */
export function appendInetDiagNative(
  columns: ColumnsBuilder,
  inetColumns: NonNullable<NativeAddon['inetColumns']>,
  buf: Buffer,
  protocol: number,
  netns: number,
  keep?: KeepTable,
  family?: number,
): void {
  const at = columns.length;
  const state = new Uint32Array(1);
  const parse = () => inetColumns(buf, protocol, family ?? 0, keep ?? EVERY_STATE, arraysOf(columns), at, netns, state);
  let addresses = parse();
  if (addresses === undefined) {
    columns.reserve(state[0] ?? 0);
    addresses = parse();
  }
  const rows = state[0] ?? 0;
  if (addresses === undefined || rows === 0) return;
  numberAddresses(columns, addresses, at, rows);
}

/**
 * Numbers in `columns`' string table the addresses an addon parser returned for rows `at` to `at + rows - 1`
 * (17 bytes each: the family, then 16 bytes, IPv4 in the first 4), in their order, as appendInetDiag would
 * have met them; renumbers those rows' address columns when the numbers differ from the parser's own (a string
 * table that already held addresses); then counts the rows in (`columns.length`).
 */
export function numberAddresses(columns: ColumnsBuilder, addresses: Buffer, at: number, rows: number): void {
  const numbers = new Uint32Array(addresses.length / 17);
  let renumber = false;
  for (let n = 0; n < numbers.length; n++) {
    const key = n * 17 + 1;
    const index =
      addresses[key - 1] === AF_INET
        ? columns.v4(addresses.readUInt32BE(key), dottedQuad)
        : columns.v6(addresses.toString('latin1', key, key + 16), () => ipv6FromBytes(addresses, key));
    numbers[n] = index;
    if (index !== n) renumber = true;
  }
  if (renumber) {
    const { localAddress, peerAddress } = columns;
    for (let row = at; row < at + rows; row++) {
      localAddress[row] = numbers[localAddress[row] ?? 0] ?? 0;
      peerAddress[row] = numbers[peerAddress[row] ?? 0] ?? 0;
    }
  }
  columns.length = at + rows;
}

/** The builder's arrays in the order inetColumns takes them (SocketColumns' fields). */
export function arraysOf(c: ColumnsBuilder): NativeColumnArrays {
  return [
    c.protocol,
    c.family,
    c.state,
    c.localAddress,
    c.peerAddress,
    c.localPort,
    c.peerPort,
    c.recvQ,
    c.sendQ,
    c.uid,
    c.inode,
    c.netns,
    c.v6only,
  ];
}

/** SocketColumns' arrays, in the order of native/diag-columns.c. */
export type NativeColumnArrays = [
  Uint8Array,
  Uint8Array,
  Uint8Array,
  Uint32Array,
  Uint32Array,
  Uint16Array,
  Uint16Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Int8Array,
];
