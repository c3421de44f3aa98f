import { existsSync } from 'node:fs';
import { errnoCode } from '../../errors.js';
import type { Family, Protocol, Socket, SnapshotWarning } from '../../model/index.js';
import type { DiagExtensions } from './diag-request.js';
import { isGone, readByDiag, type TableSpec } from './diag-tables.js';
import { hexAt } from './hex.js';
import { nativeAddon, type NativeAddon } from './native.js';
import type { NamespaceGroup } from './netns.js';
import { parseInetTable, type InetTable } from './parse-inet.js';
import { parseNetlinkTable } from './parse-netlink.js';
import { parsePacketTable } from './parse-packet.js';
import { hostInterfaceNames } from './interfaces.js';
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
  /** Only sockets bound to one of these local ports: the kernel filters (sock_diag); /proc/net relies on the filter. */
  readonly localPorts?: readonly number[];
  /** sock_diag attributes to ask for (tcp_info, memory, TOS); /proc/net has none of them. */
  readonly extensions?: DiagExtensions;
}

/** Where a namespace's sockets came from: netlink sock_diag, /proc/net text, the BPF one pass (bpf-sockets.ts). */
export type TableSource = 'sock_diag' | 'procfs' | 'bpf';

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
  // No such /proc/net files: MPTCP sockets are read through sock_diag only (procfs lists none).
  { file: 'mptcp', protocol: 'mptcp', family: 'inet' },
  { file: 'mptcp6', protocol: 'mptcp', family: 'inet6' },
  { file: 'netlink', protocol: 'netlink', family: 'netlink' },
  { file: 'packet', protocol: 'packet', family: 'packet' },
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
 * Reads one table of a namespace, trying member processes in turn (one may exit meanwhile), then,
 * with the addon, the path that pins it (`nsPath`: a namespace no process lives in is read from
 * inside, as `ss -N` does). Undefined when this kernel has no such table.
 * @throws the last error (with `code` ENOENT when every way in is gone) when none could be read.
 */
export function readTable(
  group: NamespaceGroup,
  file: string,
  stop?: Parameters<typeof readProcText>[1],
  addon: NativeAddon | null = null,
) {
  const dirs = group.isHost ? [group.tableDir] : group.pids.map((pid) => `/proc/${String(pid)}/net`);
  let lastError: unknown = Object.assign(new Error(`no way into network namespace ${String(group.netns)}`), {
    code: 'ENOENT',
  });
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
  if (addon === null || group.nsPath === undefined) throw lastError;
  const [text] = addon.netTables(group.nsPath, [file]);
  if (text === 'ENOENT') return undefined;
  if (typeof text === 'string' || text === undefined) {
    throw Object.assign(new Error(`${file} of network namespace ${String(group.netns)}: ${String(text)}`), {
      code: text,
    });
  }
  return { buf: text, length: text.length };
}

/** The sockets of one namespace, where they came from, and whether it vanished while being read. */
export interface NamespaceTables {
  readonly sockets: Socket[];
  readonly sources: TableSource[];
  /** The namespace went away (its last process exited, its name was deleted): nothing to list, no error. */
  readonly gone: boolean;
}

const GONE: NamespaceTables = { sockets: [], sources: [], gone: true };

/** What asking for `query` loses when `tables` are read from /proc/net: MPTCP sockets, sock_diag's extensions. */
function lostToProcfs(tables: readonly TableSpec[], query: TableQuery): string | undefined {
  const lost: string[] = [];
  if (tables.some((t) => t.protocol === 'mptcp')) lost.push('MPTCP sockets');
  const ext = query.extensions;
  const inet = tables.some((t) => t.family === 'inet' || t.family === 'inet6');
  const unix = tables.some((t) => t.protocol === 'unix');
  if (ext !== undefined && ((inet && (ext.inet !== 0 || ext.sockopt)) || (unix && ext.unix !== 0))) {
    lost.push('tcp_info, skmem, TOS and socket options (-i, -m, --tos, --inet-sockopt)');
  }
  return lost.length === 0 ? undefined : lost.join(' and ');
}

/**
 * Reads and parses the socket tables of one namespace: through netlink sock_diag when the native
 * addon is built (as `ss` does; the kernel filters TCP states), else, and for any table sock_diag
 * cannot give, from /proc/self/net or /proc/PID/net (tcp, tcp6, udp, udp6, udplite, udplite6, raw,
 * raw6, unix). `addon`: null forces /proc/net. A missing or unreadable table adds a `TABLE_UNREADABLE`
 * warning instead of failing; a namespace that vanished meanwhile is `gone`, with no warning.
 */
export function readNamespaceTables(
  group: NamespaceGroup,
  query: TableQuery,
  warnings: SnapshotWarning[],
  addon: NativeAddon | null = nativeAddon() ?? null,
): NamespaceTables {
  const wanted = TABLES.filter((t) => query.protocols.has(t.protocol) && query.families.has(t.family));
  const diag = addon === null ? undefined : readByDiag(addon, group, wanted, query);
  if (diag?.gone === true) return GONE;
  const sockets = diag?.sockets ?? [];
  const rest = diag?.missing ?? wanted;
  const problems: SnapshotWarning[] = [];
  const failed: { file: string; error: unknown }[] = [];
  for (const table of rest) {
    try {
      for (const s of readProcTable(group, table, query, addon)) sockets.push(s);
    } catch (error) {
      // Every member exited (their /proc/PID/net went away): the namespace is gone, not unreadable.
      if (!group.isHost && isGone(error)) return GONE;
      failed.push({ file: table.file, error });
    }
  }
  for (const w of unreadable(group, failed)) problems.push(w);
  const lost = lostToProcfs(rest, query);
  if (lost !== undefined) {
    problems.push({
      code: 'DETAILS_UNAVAILABLE',
      message: `${lost} of network namespace ${String(group.netns)} come from sock_diag only, which could not be used here (native addon not built, backend procfs, or the namespace could not be entered): not listed`,
    });
  }
  for (const w of problems) warnings.push(w);
  const sources: TableSource[] = [];
  if (diag !== undefined && diag.missing.length < wanted.length) sources.push('sock_diag');
  if (rest.length > 0) sources.push('procfs');
  return { sockets, sources, gone: false };
}

function readProcTable(
  group: NamespaceGroup,
  table: TableSpec,
  query: TableQuery,
  addon: NativeAddon | null,
): Socket[] {
  if (table.protocol === 'unix') {
    const text = readTable(group, 'unix', undefined, addon);
    return text === undefined ? [] : parseUnixTable(text.buf, text.length, group.netns).sockets;
  }
  if (table.protocol === 'packet') {
    const text = readTable(group, 'packet', undefined, addon);
    if (text === undefined) return [];
    // Interface names of this namespace only (/sys/class/net); another's keep their index.
    const names = group.isHost ? hostInterfaceNames() : new Map<number, string>();
    const name = (ifindex: number) => names.get(ifindex) ?? String(ifindex);
    return parsePacketTable(text.buf.toString('latin1', 0, text.length), group.netns, name).sockets;
  }
  if (table.protocol === 'netlink') {
    const text = readTable(group, 'netlink', undefined, addon);
    return text === undefined
      ? []
      : parseNetlinkTable(text.buf.toString('latin1', 0, text.length), group.netns).sockets;
  }
  const inet: InetTable = { protocol: table.protocol, family: table.family === 'inet' ? 'inet' : 'inet6' };
  const width = inet.family === 'inet' ? 8 : 32;
  const listenersOnly = query.tcpListenersOnly && inet.protocol === 'tcp';
  const text = readTable(group, table.file, listenersOnly ? notListening(width) : undefined, addon);
  if (text === undefined) return [];
  return parseInetTable(text.buf, text.length, inet, { netns: group.netns, listenersOnly }).sockets;
}

/**
 * One `TABLE_UNREADABLE` warning per reason, naming every table that failed for it: a namespace the
 * user may not enter fails all nine tables with the same EPERM, which is one fact, not nine.
 */
function unreadable(group: NamespaceGroup, failed: readonly { file: string; error: unknown }[]): SnapshotWarning[] {
  const byReason = new Map<string, string[]>();
  for (const { file, error } of failed) {
    const reason = errnoCode(error) ?? String(error);
    byReason.set(reason, [...(byReason.get(reason) ?? []), file]);
  }
  const name = group.name === undefined ? String(group.netns) : `${group.name} (${String(group.netns)})`;
  return [...byReason].map(([reason, files]) => {
    const where = group.isHost
      ? listed(files.map((f) => `/proc/net/${f}`))
      : `${listed(files)} of network namespace ${name}`;
    const hint = !group.isHost && (reason === 'EPERM' || reason === 'EACCES') ? ': entering it needs root' : '';
    return { code: 'TABLE_UNREADABLE', message: `Could not read ${where} (${reason})${hint}` };
  });
}

/** `a`, `a and b`, `a, b and c`. */
function listed(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}
