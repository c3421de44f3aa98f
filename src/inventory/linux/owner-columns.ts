import type { OwnerSource, SnapshotWarning } from '../../model/index.js';
import { procHidesOthers } from './hidepid.js';
import type { OwnerWalk } from './owner-walk.js';
import { nativeAddon } from './native.js';
import { ownerWarning } from './owner-warnings.js';
import { OwnerJoin, type Holder, type OwnerTarget } from './owners.js';
import { parseBootTime } from './proc-stat.js';
import { readSmallText } from './read-proc.js';
import type { SocketColumns } from './socket-columns.js';

/** The owners of a listing in columns, loaded row by row, and what a Snapshot of the same listing says of them. */
export interface ColumnOwners {
  /**
   * Sets `target.owners` and `target.ownerStatus` to row `row`'s, as attachOwners sets them on that socket's
   * Socket object. The Owner objects are shared by every row of their process (only their `fds` are set per
   * row): a row's owners hold until the next load.
   */
  load(row: number, target: OwnerTarget): void;
  /**
   * When one fd of one process that is still there holds row `row` (most rows), that process's Holder (its
   * `fds` not set: those of the last {@link load}), its pid and the fd, in an object reused by the next call; else
   * undefined, and `load` says what holds the row.
   */
  readonly sole?: (
    row: number,
  ) => { readonly holder: Omit<Holder, 'fds'>; readonly pid: number; readonly fd: number } | undefined;
  /**
   * {@link sole} of many rows in one loop: for i below `count`, of row order[i] (i without `order`), pids[i]
   * the pid (-1 where no walked fd or several hold the row) and fds[i] the fd; `holder(pid)` that pid's
   * Holder (its `fds` not set), undefined for a process gone since the walk (whose rows `sole` leaves
   * undefined: the caller leaves them too); `command(pid)` its command name alone (OwnerJoin.commandOf:
   * /proc/PID/comm, not every fact), undefined as `holder`. The arrays are kept for the next call with the
   * same `count` and `order`.
   */
  readonly soles?: (
    count: number,
    order: ArrayLike<number> | undefined,
  ) => {
    readonly pids: Int32Array;
    readonly fds: Uint32Array;
    /** The largest of `pids` (-1 when every row is -1). */
    readonly largestPid: number;
    readonly holder: (pid: number) => Omit<Holder, 'fds'> | undefined;
    readonly command: (pid: number) => string | undefined;
  };
  /** As `Snapshot.ownerSource`: undefined when there was nothing to look up (no walk). */
  readonly source?: OwnerSource;
  /** As the Snapshot's owner warning (`PERMISSION_DENIED`): see ownerWarning. */
  readonly warnings: readonly SnapshotWarning[];
}

/**
 * Joins the owner walk of a columnar listing (started as collectLinux starts it: see readSocketColumns) with
 * its rows by inode (OwnerJoin, as attachOwners), each process's facts read once, and makes the same warning
 * collectLinux would. With no walk (a selective listing that found no socket), every row is `none`.
 * `users`: uid -> name; `unreadable`: processes whose namespace could not be read (listingScope).
 */
export async function joinColumnOwners(
  columns: SocketColumns,
  walk: Promise<OwnerWalk> | undefined,
  users: ReadonlyMap<number, string>,
  unreadable: number,
): Promise<ColumnOwners> {
  if (walk === undefined) {
    return {
      load: (_row, target) => {
        target.owners = [];
        target.ownerStatus = 'none';
      },
      warnings: [],
    };
  }
  const bootTime = parseBootTime(readSmallText('/proc/stat') ?? '');
  const { walk: result, source } = await walk;
  const hidepid = procHidesOthers();
  const join = new OwnerJoin(result, { bootTime, users, othersHidden: hidepid !== undefined });
  let unknown = 0;
  if (join.denied) for (let i = 0; i < columns.length; i++) if (join.deniedAt(columns.inode[i] ?? 0)) unknown++;
  const warning = ownerWarning(unknown, result.denied.length, hidepid, unreadable);
  // One Holder per process for the whole listing (null: gone), its fds emptied for each row that names it.
  const shared = new Map<number, Holder | null>();
  const sharedHolder = (pid: number): Holder | null => {
    let holder = shared.get(pid);
    if (holder === undefined) {
      holder = join.newHolder(pid) ?? null;
      shared.set(pid, holder);
    }
    return holder;
  };
  const holderOf = (pid: number): Holder | undefined => {
    const holder = sharedHolder(pid);
    if (holder === null) return undefined;
    holder.fds = [];
    return holder;
  };
  const found: { holder: Holder; pid: number; fd: number } = {
    holder: { pid: 0, command: '', fds: [] },
    pid: 0,
    fd: 0,
  };
  let soleRows:
    | {
        count: number;
        order: ArrayLike<number> | undefined;
        pids: Int32Array;
        fds: Uint32Array;
        largestPid: number;
        holder(pid: number): Holder | undefined;
        command(pid: number): string | undefined;
      }
    | undefined;
  let soleRow = -1;
  let soleFound: typeof found | undefined;
  return {
    load: (row, target) => {
      join.attach(target, columns.inode[row] ?? 0, holderOf);
    },
    sole: (row) => {
      // A table asks for each row's cells (users; pid, user, unit, command) one by one, and twice (widths, text).
      if (row === soleRow) return soleFound;
      soleRow = row;
      soleFound = undefined;
      const t = join.soleTriple(columns.inode[row] ?? 0);
      if (t === -1) return undefined;
      const pid = join.pidAt(t);
      const holder = sharedHolder(pid);
      if (holder === null) return undefined;
      found.holder = holder;
      found.pid = pid;
      found.fd = join.fdAt(t);
      soleFound = found;
      return found;
    },
    soles: (count, order) => {
      if (soleRows?.count === count && soleRows.order === order) return soleRows;
      const pids = new Int32Array(count);
      const fds = new Uint32Array(count);
      const { holders } = result;
      const native = nativeAddon()?.soleOwners;
      let largestPid: number | undefined;
      if (native !== undefined && holders instanceof Uint32Array) {
        const rows = order === undefined || order instanceof Uint32Array ? order : Uint32Array.from(order);
        largestPid = native(holders, columns.inode, count, rows ?? null, pids, fds);
      } else {
        join.soleTriples(columns.inode, count, order, pids);
        largestPid = -1;
        for (let i = 0; i < count; i++) {
          const t = pids[i] ?? -1;
          if (t === -1) continue;
          pids[i] = join.pidAt(t);
          fds[i] = join.fdAt(t);
          largestPid = Math.max(largestPid, pids[i] ?? -1);
        }
      }
      // An addon built before soleOwners returned it: one pass (~1 ms at 100k rows, run once uncompiled).
      if (largestPid === undefined) largestPid = pids.reduce((a, b) => (b > a ? b : a), -1);
      const holder = (pid: number) => sharedHolder(pid) ?? undefined;
      const command = (pid: number) => join.commandOf(pid); // undefined for a gone one, as `holder`
      soleRows = { count, order, pids, fds, largestPid, holder, command };
      return soleRows;
    },
    source,
    warnings: warning === undefined ? [] : [warning],
  };
}
