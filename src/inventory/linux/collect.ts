import type { OwnerSource, Snapshot, SnapshotWarning, Socket } from '../../model/index.js';
import { compileFilter } from '../filter/compile.js';
import { exactLocalPorts, needsOwners, possibleStates } from '../filter/analyze.js';
import type { NormalizedListOptions } from '../options.js';
import { linuxFilterResolvers } from './filter-context.js';
import { procHidesOthers } from './hidepid.js';
import { listingScope, type ListingScope } from './listing-scope.js';
import type { NamespaceGroup } from './netns.js';
import type { NativeAddon } from './native.js';
import { attachOwners } from './owners.js';
import { walkOwners, type OwnerWalk } from './owner-walk.js';
import { ownerWarning } from './owner-warnings.js';
import { parseSockstat, socketsInTables, type Sockstat } from './parse-sockstat.js';
import { parseBootTime } from './proc-stat.js';
import { readSmallText } from './read-proc.js';
import { linuxSnapshot } from './snapshot-frame.js';
import { readNamespaceTables, type NamespaceTables, type TableQuery, type TableSource } from './tables.js';
import { filterNeedsDetails, ONE_PASS_PROTOCOLS, readOnePass } from './bpf-sockets.js';
import { diagExtensions, tcpStateMask } from './diag-request.js';

/** Namespaces that vanished mid-listing: not an error (the CLI prints this with --verbose only). */
function goneWarning(count: number): SnapshotWarning {
  const what = count === 1 ? '1 network namespace' : `${String(count)} network namespaces`;
  return {
    code: 'NETNS_GONE',
    message: `${what} went away while being listed (last process exited or name deleted): not listed`,
  };
}

/** A namespace's tables: its TCP and UDP sockets from the one pass when it ran, the other protocols as before. */
function readGroupTables(
  group: NamespaceGroup,
  query: TableQuery,
  onePass: ReadonlyMap<number, Socket[]> | undefined,
  warnings: SnapshotWarning[],
  addon: NativeAddon | null,
): NamespaceTables {
  if (onePass === undefined) return readNamespaceTables(group, query, warnings, addon);
  const sockets = onePass.get(group.netns) ?? [];
  const rest = new Set([...query.protocols].filter((p) => !ONE_PASS_PROTOCOLS.has(p)));
  if (rest.size === 0) return { sockets, sources: ['bpf'], gone: false };
  const others = readNamespaceTables(group, { ...query, protocols: rest }, warnings, addon);
  if (others.gone) return others;
  return { sockets: [...sockets, ...others.sockets], sources: ['bpf', ...others.sources], gone: false };
}

/**
 * What a listing that fell back from columns (readSocketColumns) had already read or started, for collectLinux
 * to go on with rather than do again: the same options' scope, /proc/net/sockstat parsed, and (for a full
 * listing with owners: no filter on ports, not listeners only) the walk of every process's sockets.
 */
export interface StartedListing {
  /** When the listing started (the Snapshot's `takenAt`). */
  readonly takenAt: string;
  readonly scope: ListingScope;
  readonly sockstat: Sockstat;
  /** walkOwners(pids, sockets used, null, addon, false), as collectLinux starts it for a full listing. */
  readonly walk?: Promise<OwnerWalk>;
}

/**
 * The Linux backend of listSockets: socket tables from sock_diag or /proc/net/* of each namespace (or, for
 * TCP and UDP in several namespaces, from one BPF pass over all of them: bpf-sockets.ts), owners from
 * one walk of /proc/PID/fd (on worker threads when the host has many sockets, while this thread
 * reads the tables), process facts from /proc/PID/*. `started`: what readSocketColumns had read or started
 * for the same options before it fell back.
 */
export async function collectLinux(options: NormalizedListOptions, started?: StartedListing): Promise<Snapshot> {
  const takenAt = started?.takenAt ?? new Date().toISOString();
  const scope = started?.scope ?? listingScope(options);
  const { addon, users, pids, netnsNames, unreadable, selected } = scope;
  const warnings: SnapshotWarning[] = [];
  const predicate = compileFilter(options.filter, {
    users,
    netnsNames: new Map([...netnsNames].map(([inode, name]) => [name, inode])),
    ...linuxFilterResolvers(),
  });
  const ownerPredicates = needsOwners(options.filter);
  const wantOwners = options.owners || ownerPredicates;
  const tcpStates = [...possibleStates(options.filter)].filter((s) => s !== 'UNCONN');
  const tcpListenersOnly = tcpStates.length === 1 && tcpStates[0] === 'LISTEN';
  const sockstat = started?.sockstat ?? scope.sockstat ?? parseSockstat(readSmallText('/proc/net/sockstat') ?? '');
  const socketCount = sockstat.sockets?.used ?? 0;

  const localPorts = exactLocalPorts(options.filter);
  // A full listing starts the walk first so that it runs (on other threads) while the tables are
  // read; a selective one (listeners only, or some ports) reads its short tables first, then walks
  // for just those inodes, and not at all when no socket matched.
  const selective = tcpListenersOnly || localPorts !== undefined;
  const query: TableQuery = {
    protocols: options.protocols,
    families: options.families,
    tcpListenersOnly,
    tcpStateMask: tcpStateMask(tcpStates),
    ...(localPorts === undefined ? {} : { localPorts }),
    extensions: diagExtensions(options),
  };
  // Started before the owner walk: loading the program (~100 ms of CPU) runs on a thread meanwhile.
  const details = options.details || filterNeedsDetails(options.filter);
  const netnsSet = new Set(selected.map((g) => g.netns));
  const tableCount = socketsInTables(sockstat);
  const wish = { namespaces: selected.length, query, details };
  const onePassRead = readOnePass(addon, wish, netnsSet, tableCount, undefined, scope.onePass);
  let walk =
    wantOwners && !selective ? (started?.walk ?? walkOwners(pids, socketCount, null, addon, false)) : undefined;
  let sockets: Socket[] = [];
  const sources = new Map<number, TableSource[]>();
  const onePass = await onePassRead;
  const listed: NamespaceGroup[] = [];
  for (const group of selected) {
    const tables = readGroupTables(group, query, onePass.sockets, warnings, addon);
    if (tables.gone) continue;
    listed.push(group);
    for (const s of tables.sockets) sockets.push(s);
    sources.set(group.netns, tables.sources);
  }
  if (listed.length < selected.length) warnings.push(goneWarning(selected.length - listed.length));
  if (!ownerPredicates) sockets = sockets.filter(predicate);
  if (wantOwners && walk === undefined) {
    const wanted = new Set<number>();
    for (const s of sockets) if (s.inode !== undefined && s.inode !== 0) wanted.add(s.inode);
    if (wanted.size > 0) {
      walk = walkOwners(pids, socketCount, wanted, addon, options.stopWhenFound);
    }
  }
  let ownerSource: OwnerSource | undefined;
  if (walk !== undefined) {
    const bootTime = parseBootTime(readSmallText('/proc/stat') ?? '');
    const { walk: result, source } = await walk;
    ownerSource = source;
    const hidepid = procHidesOthers();
    const unknown = attachOwners(sockets, result, { bootTime, users, othersHidden: hidepid !== undefined });
    const warning = ownerWarning(unknown, result.denied.length, hidepid, unreadable);
    if (warning !== undefined) warnings.push(warning);
  }
  if (ownerPredicates) sockets = sockets.filter(predicate);
  // The parsers say `none`; without a walk nobody looked, which a consumer must be able to tell.
  if (!wantOwners) for (const s of sockets) s.ownerStatus = 'not-requested';
  const socketSource = onePass.source;
  return linuxSnapshot(
    { takenAt, selected: selected.length, listed, sources, warnings, ownerSource, socketSource },
    sockets,
  );
}
