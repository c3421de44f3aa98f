import { AF_INET, AF_INET6, HOST_LE } from './diag-request.js';
import type { NativeAddon } from './native.js';
import { addressIndex, arraysOf, numberAddresses, type KeepTable } from './parse-diag-columns.js';
import { columnState, type ColumnsBuilder } from './socket-columns.js';
import type { TableQuery } from './tables.js';

/** struct record of native/bpf/sockets.bpf.c (see parseOnePass). */
const RECORD_SIZE = 64;
const IPPROTO_TCP = 6;
const TCP_CLOSE = 7;
const TCP_LISTEN = 10;

/**
 * Appends the one pass's records (native/bpf/sockets.bpf.c) to `columns` as parseOnePass turns them into
 * sockets and collectLinux orders them: the namespaces of `order` (inodes) in that order, each in sock_diag's
 * table order (tcp, tcp6, udp, udp6), records in the walk's order within a table; only those sock_diag asked
 * with `query` would have returned, and that `keep` keeps. v6only as sock_diag says it (listening and closed
 * sockets only). With the addon's `onePassColumns` (native/onepass-columns.c), the same rows are appended by it:
 * two passes over 100k records here, run once uncompiled, took ~24 ms. Pure: no I/O.
 * @throws Error with `code` EINVAL or ENOMEM from the addon.
 */
export function appendOnePass(
  columns: ColumnsBuilder,
  records: ArrayBuffer,
  order: readonly number[],
  query: TableQuery,
  keep: KeepTable,
  onePassColumns?: NativeAddon['onePassColumns'],
): void {
  const kept = keptTable(query, keep);
  if (onePassColumns !== undefined && columns.details === undefined) {
    appendNative(columns, onePassColumns, records, order, query.localPorts, kept);
    return;
  }
  const view = new DataView(records);
  const bytes = new Uint8Array(records);
  const count = Math.floor(records.byteLength / RECORD_SIZE);
  const nsIndex = new Map(order.map((netns, i) => [netns, i]));
  // Bucket = namespace * 4 + table; a counting sort keeps the walk's order within each bucket.
  const bucket = new Int32Array(count).fill(-1);
  const starts = new Uint32Array(order.length * 4 + 1);
  for (let r = 0; r < count; r++) {
    const p = r * RECORD_SIZE;
    const ns = nsIndex.get(view.getUint32(p, HOST_LE));
    const af = bytes[p + 24] ?? 0;
    const code = bytes[p + 26] ?? 0;
    const protocol = bytes[p + 27] === IPPROTO_TCP ? 0 : 1;
    if (ns === undefined || (af !== AF_INET && af !== AF_INET6) || code > 15) continue;
    const inet6 = af === AF_INET6 ? 1 : 0;
    if (kept[(protocol * 2 + inet6) * 16 + code] === 0) continue;
    const port = view.getUint16(p + 28, HOST_LE);
    if (query.localPorts !== undefined && !query.localPorts.includes(port)) continue;
    const b = ns * 4 + protocol * 2 + inet6;
    bucket[r] = b;
    starts[b + 1] = (starts[b + 1] ?? 0) + 1;
  }
  for (let b = 1; b < starts.length; b++) starts[b] = (starts[b] ?? 0) + (starts[b - 1] ?? 0);
  const sorted = new Uint32Array(starts[starts.length - 1] ?? 0);
  for (let r = 0; r < count; r++) {
    const b = bucket[r] ?? -1;
    if (b < 0) continue;
    const at = starts[b] ?? 0;
    sorted[at] = r;
    starts[b] = at + 1;
  }
  columns.reserve(sorted.length);
  for (const r of sorted) appendRecord(columns, bytes, view, r * RECORD_SIZE);
}

function appendRecord(columns: ColumnsBuilder, bytes: Uint8Array, view: DataView, p: number): void {
  const row = columns.length;
  const af = bytes[p + 24] ?? 0;
  const code = bytes[p + 26] ?? 0;
  columns.protocol[row] = bytes[p + 27] === IPPROTO_TCP ? 0 : 1;
  columns.family[row] = af === AF_INET6 ? 6 : 4;
  columns.state[row] = code;
  columns.localAddress[row] = addressIndex(columns, bytes, view, af, p + 32);
  columns.peerAddress[row] = addressIndex(columns, bytes, view, af, p + 48);
  columns.localPort[row] = view.getUint16(p + 28, HOST_LE);
  columns.peerPort[row] = view.getUint16(p + 30, false);
  columns.recvQ[row] = view.getUint32(p + 12, HOST_LE);
  columns.sendQ[row] = view.getUint32(p + 16, HOST_LE);
  columns.uid[row] = view.getUint32(p + 8, HOST_LE);
  columns.inode[row] = view.getUint32(p + 4, HOST_LE);
  columns.netns[row] = view.getUint32(p, HOST_LE);
  const v6only = (bytes[p + 25] ?? 2) & 3;
  const says = v6only !== 2 && (code === TCP_LISTEN || code === TCP_CLOSE);
  columns.v6only[row] = says ? (v6only === 1 ? 1 : 0) : -1;
  columns.length = row + 1;
}

/**
 * Which records a listing keeps, by protocol index (0 TCP, 1 UDP), family and state code, as one table
 * (`[(protocol * 2 + isInet6) * 16 + code]`, 1 kept): the query's protocols, families and TCP states, a code
 * that names a state (columnState), and `keep`.
 */
function keptTable(query: TableQuery, keep: KeepTable): Uint8Array {
  const table = new Uint8Array(96);
  for (let protocol = 0; protocol < 2; protocol++)
    for (let inet6 = 0; inet6 < 2; inet6++)
      for (let code = 0; code < 16; code++) {
        const i = (protocol * 2 + inet6) * 16 + code;
        const asked =
          query.protocols.has(protocol === 0 ? 'tcp' : 'udp') &&
          query.families.has(inet6 === 0 ? 'inet' : 'inet6') &&
          (protocol !== 0 || (query.tcpStateMask & (1 << code)) !== 0);
        table[i] = asked && columnState(protocol, code) !== undefined && keep[i] !== 0 ? 1 : 0;
      }
  return table;
}

/** appendOnePass through the addon, with the table of the records kept (keptTable) and the ports asked for. */
function appendNative(
  columns: ColumnsBuilder,
  onePassColumns: NonNullable<NativeAddon['onePassColumns']>,
  records: ArrayBuffer,
  order: readonly number[],
  localPorts: readonly number[] | undefined,
  kept: Uint8Array,
): void {
  const bytes = new Uint8Array(records, 0, records.byteLength - (records.byteLength % RECORD_SIZE));
  const namespaces = Uint32Array.from(order);
  const ports = localPorts === undefined ? null : Uint16Array.from(localPorts);
  const at = columns.length;
  const state = new Uint32Array(1);
  const append = () => onePassColumns(bytes, namespaces, kept, ports, arraysOf(columns), at, state);
  let addresses = append();
  if (addresses === undefined) {
    columns.reserve(state[0] ?? 0);
    addresses = append();
  }
  const rows = state[0] ?? 0;
  if (addresses !== undefined && rows > 0) numberAddresses(columns, addresses, at, rows);
}
