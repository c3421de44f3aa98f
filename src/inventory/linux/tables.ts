import { existsSync } from 'node:fs';
import { errnoCode } from '../../errors.js';
import type { Family, Protocol, Socket, SnapshotWarning } from '../../model/index.js';
import { hexAt } from './hex.js';
import type { NamespaceGroup } from './netns.js';
import { parseInetTable, type InetTable } from './parse-inet.js';
import { parseUnixTable } from './parse-unix.js';
import { readProcText } from './read-proc.js';

/** Which tables to read, and how. */
export interface TableQuery {
  readonly protocols: ReadonlySet<Protocol>;
  readonly families: ReadonlySet<Family>;
  /** Stop reading TCP tables at the first non-LISTEN row. */
  readonly tcpListenersOnly: boolean;
}

const INET_TABLES: readonly (InetTable & { readonly file: string })[] = [
  { file: 'tcp', protocol: 'tcp', family: 'inet' },
  { file: 'tcp6', protocol: 'tcp', family: 'inet6' },
  { file: 'udp', protocol: 'udp', family: 'inet' },
  { file: 'udp6', protocol: 'udp', family: 'inet6' },
  { file: 'udplite', protocol: 'udplite', family: 'inet' },
  { file: 'udplite6', protocol: 'udplite', family: 'inet6' },
  { file: 'raw', protocol: 'raw', family: 'inet' },
  { file: 'raw6', protocol: 'raw', family: 'inet6' },
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
 * Reads and parses the socket tables of one namespace (from /proc/self/net or /proc/PID/net:
 * tcp, tcp6, udp, udp6, udplite, udplite6, raw, raw6, unix). A missing or unreadable table adds a
 * `TABLE_UNREADABLE` warning instead of failing the listing.
 */
export function readNamespaceTables(group: NamespaceGroup, query: TableQuery, warnings: SnapshotWarning[]): Socket[] {
  const sockets: Socket[] = [];
  const wanted = INET_TABLES.filter((t) => query.protocols.has(t.protocol) && query.families.has(t.family));
  for (const table of wanted) {
    const width = table.family === 'inet' ? 8 : 32;
    const listenersOnly = query.tcpListenersOnly && table.protocol === 'tcp';
    try {
      const text = readTable(group, table.file, listenersOnly ? notListening(width) : undefined);
      if (text === undefined) continue;
      const parsed = parseInetTable(text.buf, text.length, table, { netns: group.netns, listenersOnly });
      for (const s of parsed.sockets) sockets.push(s);
    } catch (error) {
      warnings.push(unreadable(group, table.file, error));
    }
  }
  if (query.protocols.has('unix') && query.families.has('unix')) {
    try {
      const text = readTable(group, 'unix');
      if (text !== undefined)
        for (const s of parseUnixTable(text.buf, text.length, group.netns).sockets) sockets.push(s);
    } catch (error) {
      warnings.push(unreadable(group, 'unix', error));
    }
  }
  return sockets;
}

function unreadable(group: NamespaceGroup, file: string, error: unknown): SnapshotWarning {
  const where = group.isHost ? `/proc/net/${file}` : `${file} of network namespace ${String(group.netns)}`;
  return { code: 'TABLE_UNREADABLE', message: `Could not read ${where} (${errnoCode(error) ?? String(error)})` };
}
