import { existsSync } from 'node:fs';
import { errnoCode } from '../../errors.js';
import type { Family, Protocol, Socket, SnapshotWarning } from '../../model/index.js';
import type { DiagExtensions } from './diag-request.js';
import { readByDiag, type TableSpec } from './diag-tables.js';
import { hexAt } from './hex.js';
import { nativeAddon, type NativeAddon } from './native.js';
import type { NamespaceGroup } from './netns.js';
import { parseInetTable, type InetTable } from './parse-inet.js';
import { parseUnixTable } from './parse-unix.js';
import { readProcText } from './read-proc.js';

/** Which tables to read, and how. */
export interface TableQuery {
  readonly protocols: ReadonlySet<Protocol>;
  readonly families: ReadonlySet<Family>;
  /** Stop reading TCP tables at the first non-LISTEN row (/proc/net). */
  readonly tcpListenersOnly: boolean;
  /** TCP states the kernel should dump, as its bit mask (bit N = state N) (sock_diag). */
  readonly tcpStateMask: number;
  /** Only sockets bound to this local port: the kernel filters (sock_diag); /proc/net relies on the filter. */
  readonly localPort?: number;
  /** sock_diag attributes to ask for (tcp_info, memory, TOS); /proc/net has none of them. */
  readonly extensions?: DiagExtensions;
}

/** Where a namespace's sockets came from: netlink sock_diag, /proc/net text, or both. */
export type TableSource = 'sock_diag' | 'procfs';

const TABLES: readonly TableSpec[] = [
  { file: 'tcp', protocol: 'tcp', family: 'inet' },
  { file: 'tcp6', protocol: 'tcp', family: 'inet6' },
  { file: 'udp', protocol: 'udp', family: 'inet' },
  { file: 'udp6', protocol: 'udp', family: 'inet6' },
  { file: 'udplite', protocol: 'udplite', family: 'inet' },
  { file: 'udplite6', protocol: 'udplite', family: 'inet6' },
  { file: 'raw', protocol: 'raw', family: 'inet' },
  { file: 'raw6', protocol: 'raw', family: 'inet6' },
  { file: 'unix', protocol: 'unix', family: 'unix' },
];

function notListening(width: number) {
  return (buf: Buffer, start: number, end: number): boolean => {
    if (start === 0) return false; // the header
    const colon = buf.indexOf(58, start);
    if (colon < 0 || colon > end) return false;
    return hexAt(buf, colon + 2 + 2 * width + 12, 2) !== 0x0a;
  };
}

/**
 * Reads one table of a namespace, trying member processes in turn (one may exit meanwhile).
 * Undefined when this kernel has no such table. @throws the last fs error when no member could be read.
 */
export function readTable(group: NamespaceGroup, file: string, stop?: Parameters<typeof readProcText>[1]) {
  const dirs = group.isHost ? [group.tableDir] : group.pids.map((pid) => `/proc/${String(pid)}/net`);
  let lastError: unknown;
  for (const dir of dirs.slice(0, 8)) {
    try {
      return readProcText(`${dir}/${file}`, stop);
    } catch (error) {
      lastError = error;
      // ENOENT with the net directory still there: this kernel has no such table (module not loaded).
      // With the directory gone, that process exited: try the namespace's next one.
      if (errnoCode(error) === 'ENOENT' && existsSync(dir)) return undefined;
    }
  }
  throw lastError;
}

/**
 * Reads and parses the socket tables of one namespace: through netlink sock_diag when the native
 * addon is built (as `ss` does; the kernel filters TCP states), else, and for any table sock_diag
 * cannot give, from /proc/self/net or /proc/PID/net (tcp, tcp6, udp, udp6, udplite, udplite6, raw,
 * raw6, unix). `addon`: null forces /proc/net. A missing or unreadable table adds a `TABLE_UNREADABLE` warning instead of failing.
 */
export function readNamespaceTables(
  group: NamespaceGroup,
  query: TableQuery,
  warnings: SnapshotWarning[],
  addon: NativeAddon | null = nativeAddon() ?? null,
): { sockets: Socket[]; sources: TableSource[] } {
  const wanted = TABLES.filter((t) => query.protocols.has(t.protocol) && query.families.has(t.family));
  const diag = addon === null ? undefined : readByDiag(addon, group, wanted, query);
  const sockets = diag?.sockets ?? [];
  const rest = diag?.missing ?? wanted;
  for (const table of rest) {
    try {
      for (const s of readProcTable(group, table, query)) sockets.push(s);
    } catch (error) {
      warnings.push(unreadable(group, table.file, error));
    }
  }
  const sources: TableSource[] = [];
  if (diag !== undefined && diag.missing.length < wanted.length) sources.push('sock_diag');
  if (rest.length > 0) sources.push('procfs');
  return { sockets, sources };
}

function readProcTable(group: NamespaceGroup, table: TableSpec, query: TableQuery): Socket[] {
  if (table.protocol === 'unix') {
    const text = readTable(group, 'unix');
    return text === undefined ? [] : parseUnixTable(text.buf, text.length, group.netns).sockets;
  }
  const inet: InetTable = { protocol: table.protocol, family: table.family === 'inet' ? 'inet' : 'inet6' };
  const width = inet.family === 'inet' ? 8 : 32;
  const listenersOnly = query.tcpListenersOnly && inet.protocol === 'tcp';
  const text = readTable(group, table.file, listenersOnly ? notListening(width) : undefined);
  if (text === undefined) return [];
  return parseInetTable(text.buf, text.length, inet, { netns: group.netns, listenersOnly }).sockets;
}

function unreadable(group: NamespaceGroup, file: string, error: unknown): SnapshotWarning {
  const where = group.isHost ? `/proc/net/${file}` : `${file} of network namespace ${String(group.netns)}`;
  return { code: 'TABLE_UNREADABLE', message: `Could not read ${where} (${errnoCode(error) ?? String(error)})` };
}
