import type { Family, Snapshot, Socket, SocketSource, SocketState } from '../../model/index.js';
import { compileFilter } from '../filter/compile.js';
import { oneLocalPort, possibleStates } from '../filter/analyze.js';
import type { FilterNode } from '../filter/index.js';
import { listSockets } from '../list-sockets.js';
import { normalizeListOptions, type ListSocketsOptions, type NormalizedListOptions } from '../options.js';
import { currentPlatform } from '../platform.js';
import {
  filterNeedsDetails,
  ONE_PASS_PROTOCOLS,
  onePassFor,
  onePassUnavailable,
  type EarlyOnePass,
  type OnePassRecords,
} from './bpf-sockets.js';
import { collectLinux, type StartedListing } from './collect.js';
import { dropPrefetch, takePrefetched } from './diag-prefetch.js';
import { isGone, netnsPaths } from './diag-tables.js';
import { columnRequests } from './column-requests.js';
import { tcpStateMask } from './diag-request.js';
import { listingScope, type ListingScope } from './listing-scope.js';
import type { NativeAddon } from './native.js';
import { joinColumnOwners, type ColumnOwners } from './owner-columns.js';
import { walkOwners, type OwnerWalk } from './owner-walk.js';
import type { NamespaceGroup } from './netns.js';
import { appendInetDiag, appendInetDiagNative, type KeepTable } from './parse-diag-columns.js';
import { appendOnePass } from './parse-onepass-columns.js';
import { parseSockstat, socketsInTables, type Sockstat } from './parse-sockstat.js';
import { readSmallText } from './read-proc.js';
import { COLUMN_PROTOCOLS, ColumnsBuilder, columnFamily, columnState, type SocketColumns } from './socket-columns.js';
import { linuxSnapshot, type SnapshotOf, type SnapshotParts } from './snapshot-frame.js';
import type { TableQuery, TableSource } from './tables.js';

/** A listing in columns, or why it must be read as `Socket` objects (listSockets) instead. */
export type ColumnsListing =
  | {
      readonly columns: SocketColumns;
      /** The namespaces listed, in order, with their names under /run/netns. */
      readonly namespaces: readonly { readonly netns: number; readonly name?: string }[];
      /** The rows' owners, when `options.owners` asked for them. */
      readonly owners?: ColumnOwners;
      /** The Snapshot listSockets would return, but with these columns as its `sockets`. */
      readonly snapshot: SnapshotOf<SocketColumns>;
    }
  | {
      readonly fallback: string;
      /**
       * The Snapshot listSockets(options) returns, reusing what this listing had already read or started (its
       * scope, /proc/net/sockstat, the owner walk of a full listing) rather than doing it again.
       */
      readonly list: () => Promise<Snapshot>;
    };

/** Filter nodes whose verdict depends only on a socket's protocol, family and state (and `sport =`: see oneLocalPort). */
const COLUMN_NODES: ReadonlySet<FilterNode['type']> = new Set(['all', 'and', 'or', 'not', 'state', 'family']);

function filterFits(node: FilterNode): boolean {
  if (node.type === 'port') return node.side === 'local' && node.op === '=';
  if (!COLUMN_NODES.has(node.type)) return false;
  if (node.type === 'and' || node.type === 'or') return filterFits(node.left) && filterFits(node.right);
  return node.type !== 'not' || filterFits(node.operand);
}

/**
 * Why `options` cannot be listed in columns, or undefined when they can: other than Linux; a protocol other
 * than TCP, UDP and UDP-Lite; sock_diag extensions (tcp_info, skmem, TOS, socket options); a filter that tests
 * more than states and families. `details` are held ({@link DetailColumns}). Decided from the options
 * alone, before anything is read.
 */
export function columnsUnsupported(options: NormalizedListOptions): string | undefined {
  if (currentPlatform() !== 'linux') return 'not Linux';
  const held: ReadonlySet<string> = new Set(COLUMN_PROTOCOLS);
  if ([...options.protocols].some((p) => !held.has(p))) return 'a protocol other than TCP, UDP and UDP-Lite';
  if (options.tcpInfo || options.skmem || options.tos || options.inetSockopt) return 'sock_diag extensions';
  if (!filterFits(options.filter)) return 'a filter on more than states, families and one local port';
  if (oneLocalPort(options.filter) === null) return 'a filter on more than one local port';
  return options.backend === 'procfs' ? 'backend procfs' : undefined;
}

/**
 * The filter's verdict for every protocol, family and state code, from the filter's own predicate applied to a
 * socket with just those fields, bound to the filter's one local port if any (its other nodes are refused by
 * columnsUnsupported).
 */
function keepTable(options: NormalizedListOptions, users: Map<number, string>): KeepTable {
  const predicate = compileFilter(options.filter, { users, netnsNames: new Map() });
  const keep = new Uint8Array(COLUMN_PROTOCOLS.length * 2 * 16);
  const endpoint = { address: '', port: 0 };
  const local = { address: '', port: oneLocalPort(options.filter) ?? 0 };
  COLUMN_PROTOCOLS.forEach((protocol, p) => {
    for (const family of [4, 6]) {
      for (let code = 0; code < 16; code++) {
        const state: SocketState | undefined = columnState(p, code);
        if (state === undefined) continue;
        const f: Family = columnFamily(family);
        const socket: Socket = {
          protocol,
          family: f,
          state,
          local,
          peer: endpoint,
          recvQ: 0,
          sendQ: 0,
          inode: 0,
          uid: 0,
          netns: 0,
          owners: [],
          ownerStatus: 'not-requested',
        };
        keep[(p * 2 + (family === 6 ? 1 : 0)) * 16 + code] = predicate(socket) ? 1 : 0;
      }
    }
  });
  return keep;
}

/**
 * The one pass's records when collectLinux would read them (several namespaces, as root), or why the listing
 * must fall back (UDP-Lite, which the one pass does not read: collectLinux adds it per namespace). The
 * records' reason for not being usable (returned as `{ reason }`) means one dump per namespace, as there.
 * `early`: the pass listingScope started before its namespace scan, used when narrowed the same (onePassFor).
 */
async function readOnePass(
  options: NormalizedListOptions,
  addon: NativeAddon,
  sockstat: () => Sockstat,
  early: EarlyOnePass | undefined,
): Promise<string | OnePassRecords> {
  if ([...options.protocols].some((p) => !ONE_PASS_PROTOCOLS.has(p))) return 'UDP-Lite with the one BPF pass';
  const tableCount = socketsInTables(sockstat());
  const protocols = (options.protocols.has('tcp') ? 1 : 0) | (options.protocols.has('udp') ? 2 : 0);
  const port = oneLocalPort(options.filter) ?? undefined;
  return onePassFor(early, addon, tableCount, port === undefined ? { protocols } : { port, protocols });
}

/** The replies of `requests` in `group`'s namespace, or undefined when it cannot be entered or is gone. */
function dump(addon: NativeAddon, group: NamespaceGroup, requests: Buffer[]): (Buffer | string)[] | undefined {
  for (const path of netnsPaths(group)) {
    try {
      return addon.sockDiag(path, requests);
    } catch (error) {
      if (!isGone(error)) return undefined;
    }
  }
  return undefined;
}

/**
 * Reads the TCP, UDP and UDP-Lite sockets of `options` into columns: the same namespaces (listingScope), sock_diag dumps
 * (the kernel filtering TCP states) in the same order and the same filter verdicts as listSockets, so that the
 * rows are the sockets listSockets would return, in its order; over several namespaces as root, from the one
 * BPF pass as there (parse-onepass-columns.ts). Falls back (says why, reads nothing more, and hands `list`
 * what it started) for what columnsUnsupported refuses, and when listSockets would read differently: without the
 * addon, UDP-Lite with the one pass, or when a namespace cannot be entered, is gone, or lacks a diag handler. With `options.owners`,
 * also their owners: from the walk collectLinux makes (the BPF task_file iterator as root, else the
 * /proc/PID/fd walk: walkOwners), joined by inode as attachOwners joins them (joinColumnOwners).
 * @throws PortscopeError as listSockets: `INVALID_ARGUMENT`, `NOT_FOUND`, `UNSUPPORTED_PLATFORM`.
 */
export async function readSocketColumns(options: ListSocketsOptions): Promise<ColumnsListing> {
  const takenAt = new Date().toISOString();
  const normalized = normalizeListOptions(options);
  const unsupported = columnsUnsupported(normalized);
  if (unsupported !== undefined) return { fallback: unsupported, list: () => listSockets(options) };
  const scope = listingScope(normalized);
  const { addon, pids } = scope;
  // Read at most once, by the first that needs it (the owner walk, the one pass, collectLinux after a fallback).
  let counts: Sockstat | undefined = scope.sockstat;
  const sockstat = () => (counts ??= parseSockstat(readSmallText('/proc/net/sockstat') ?? ''));
  const fallback = (why: string, walk?: Promise<OwnerWalk>): ColumnsListing => {
    dropPrefetch();
    const started = (): StartedListing => ({ takenAt, scope, sockstat: sockstat(), ...(walk && { walk }) });
    return { fallback: why, list: () => collectLinux(normalized, started()) };
  };
  if (addon === null) return fallback('no native addon');
  const states = [...possibleStates(normalized.filter)].filter((s) => s !== 'UNCONN');
  const listenersOnly = states.length === 1 && states[0] === 'LISTEN';
  // As collectLinux: a full listing starts the owner walk first, to run (on other threads) while the tables
  // are read; a listing of listeners or of one port reads its short tables first, then walks for their inodes.
  const early =
    normalized.owners && !listenersOnly && oneLocalPort(normalized.filter) === undefined
      ? walkOwners(pids, sockstat().sockets?.used ?? 0, null, addon, false)
      : undefined;
  // Until collectLinux (after a fallback) or joinColumnOwners awaits it: a failure is theirs to report.
  void early?.catch(() => undefined);
  const read = await readColumns(normalized, scope, addon, states, sockstat);
  if ('fallback' in read) return fallback(read.fallback, early); // collectLinux goes on with this walk
  const { columns, namespaces, parts } = read;
  // As collectLinux's: no namespace is gone here (the listing falls back), no warnings but the owners'.
  const snapshot = (owners?: ColumnOwners) =>
    linuxSnapshot({ ...parts, takenAt, warnings: [...(owners?.warnings ?? [])], ownerSource: owners?.source }, columns);
  if (!normalized.owners) return { columns, namespaces, snapshot: snapshot() };
  let walk: Promise<OwnerWalk> | undefined = early;
  if (walk === undefined) {
    const wanted = new Set<number>();
    for (let i = 0; i < columns.length; i++) if (columns.inode[i] !== 0) wanted.add(columns.inode[i] ?? 0);
    if (wanted.size > 0) {
      walk = walkOwners(pids, sockstat().sockets?.used ?? 0, wanted, addon, normalized.stopWhenFound);
    }
  }
  const owners = await joinColumnOwners(columns, walk, scope.users, scope.unreadable);
  return { columns, namespaces, owners, snapshot: snapshot(owners) };
}

/** What readColumns read: the columns, and the Snapshot's parts other than the owners' (see readSocketColumns). */
type ColumnsRead =
  | {
      readonly columns: SocketColumns;
      readonly namespaces: readonly { readonly netns: number; readonly name?: string }[];
      readonly parts: Omit<SnapshotParts, 'takenAt' | 'warnings' | 'ownerSource'>;
    }
  | { readonly fallback: string };

/** The sockets of a listing that columnsUnsupported allows, in columns, without their owners (see readSocketColumns). */
async function readColumns(
  normalized: NormalizedListOptions,
  { users, selected, onePass: early }: ListingScope,
  addon: NativeAddon,
  states: readonly SocketState[],
  sockstat: () => Sockstat,
): Promise<ColumnsRead> {
  const port = oneLocalPort(normalized.filter) ?? undefined;
  const query: TableQuery = {
    protocols: normalized.protocols,
    families: normalized.families,
    tcpListenersOnly: false,
    tcpStateMask: tcpStateMask(states),
    ...(port === undefined ? {} : { localPorts: [port] }),
  };
  const details = normalized.details || filterNeedsDetails(normalized.filter);
  const unavailable = onePassUnavailable(addon, { namespaces: selected.length, query, details });
  const onePass = unavailable === undefined ? await readOnePass(normalized, addon, sockstat, early) : undefined;
  if (typeof onePass === 'string') return { fallback: onePass };
  const socketSource: SocketSource =
    onePass === undefined || 'reason' in onePass
      ? { source: 'per-namespace', reason: unavailable ?? (onePass as { reason: string }).reason }
      : { source: 'bpf' };
  const { tables, requests, sent, both } = columnRequests(
    normalized.protocols,
    normalized.families,
    query.tcpStateMask,
    query.localPorts,
  );
  const keep = keepTable(normalized, users);
  const columns = new ColumnsBuilder(normalized.details);
  const namespaces = selected.map(({ netns, name }) => (name === undefined ? { netns } : { netns, name }));
  const read = (sources: TableSource[]) => {
    const bySource = new Map(selected.map((g) => [g.netns, sources]));
    return {
      columns,
      namespaces,
      parts: { selected: selected.length, listed: selected, sources: bySource, socketSource },
    };
  };
  if (onePass !== undefined && 'records' in onePass) {
    dropPrefetch();
    appendOnePass(
      columns,
      onePass.records,
      namespaces.map((n) => n.netns),
      query,
      keep,
      addon.onePassColumns,
    );
    return read(['bpf']);
  }
  // TCP of both families in one request (columnRequests' `both`): one walk of the kernel's TCP hash, which every
  // namespace shares, instead of one per family; its reply is appended once per family, in their order.
  // Without the one pass, or when it could not run: one dump per namespace, as collectLinux then reads them.
  for (const group of selected) {
    // This namespace's dump may have been started already (the CLI's prefetch of a plain `ls` or `who PORT`).
    const prefetched = group.isHost && requests.length > 0 ? await takePrefetched(sent) : undefined;
    let replies = requests.length === 0 ? [] : (prefetched ?? dump(addon, group, sent));
    const split = both >= 0 && replies !== undefined && typeof replies[both] !== 'string';
    if (split) replies = replies?.toSpliced(both, 0, replies[both] ?? '');
    else if (both >= 0 && replies !== undefined) replies = dump(addon, group, requests); // refused: one per family
    if (replies === undefined) return { fallback: `network namespace ${String(group.netns)} could not be read` };
    for (const [i, reply] of replies.entries()) {
      if (typeof reply === 'string') return { fallback: `sock_diag answered ${reply}` };
      const family = split && (i === both || i === both + 1) ? tables[i]?.family : undefined;
      const protocol = tables[i]?.protocol ?? 0;
      if (addon.inetColumns === undefined || columns.details !== undefined)
        appendInetDiag(columns, reply, protocol, group.netns, keep, family);
      else appendInetDiagNative(columns, addon.inetColumns, reply, protocol, group.netns, keep, family);
    }
  }
  const irregular = columns.details?.irregular;
  if (irregular !== undefined) return { fallback: irregular };
  return read(tables.length > 0 ? ['sock_diag'] : []);
}
