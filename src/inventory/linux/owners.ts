import type { Owner, OwnerStatus, Socket } from '../../model/index.js';
import type { FdWalkResult } from './fd-walk.js';
import { readCommand, readProcessFacts, type ProcessFacts } from './process-info.js';

/** What owner lookup needs from the machine. */
export interface OwnerContext {
  readonly bootTime: number | undefined;
  readonly users: ReadonlyMap<number, string>;
  /** /proc hides other users' processes (hidepid): a socket with no owner found may have an unseen one. */
  readonly othersHidden?: boolean;
}

/** Lookups by inode that read the triples in turn before OwnerJoin makes its table by inode. */
const SCANNED_LOOKUPS = 16;

/** An owner whose `fds` the join fills, socket by socket. */
export type Holder = Omit<Owner, 'fds'> & { fds: number[] };

/** What the join sets on a socket (a `Socket`, or the CLI's cursor over columns). */
export interface OwnerTarget {
  readonly inode?: number;
  owners: Owner[];
  ownerStatus: OwnerStatus;
}

/**
 * An fd walk's flat triples joined by inode: an open-addressing table of typed arrays from an inode to its
 * first triple (no Map entry per socket: at 1M sockets a Map costs several times the memory), an Int32Array
 * chaining the other triples of the same inode in walk order, and one fact read per owning process.
 */
export class OwnerJoin {
  private readonly holders: ArrayLike<number>;
  /** The triples by inode, made when first asked for (a table whose rows the addon joined needs none). */
  private byInode?: { readonly keys: Uint32Array; readonly firsts: Int32Array; readonly next: Int32Array };
  private readonly facts = new Map<number, ProcessFacts | undefined>();
  /** Command names read alone (commandOf). */
  private readonly commands = new Map<number, string | undefined>();
  /** Lookups made by reading the triples in turn (see {@link first}). */
  private scans = 0;
  /** Some processes could not be read (or are hidden): a socket with no owner found may have an unseen one. */
  readonly denied: boolean;

  constructor(
    walk: FdWalkResult,
    private readonly context: OwnerContext,
  ) {
    this.holders = walk.holders;
    this.denied = walk.denied.length > 0 || context.othersHidden === true;
  }

  /** The triples by inode: an open-addressing table of inodes, each slot's first triple, and each triple's next. */
  private index(): { readonly keys: Uint32Array; readonly firsts: Int32Array; readonly next: Int32Array } {
    if (this.byInode !== undefined) return this.byInode;
    const count = Math.floor(this.holders.length / 3);
    let size = 16;
    while (size < count * 2) size *= 2;
    const keys = new Uint32Array(size);
    const firsts = new Int32Array(size).fill(-1);
    const next = new Int32Array(count).fill(-1);
    this.byInode = { keys, firsts, next };
    for (let t = count - 1; t >= 0; t--) {
      const inode = this.holders[t * 3] ?? 0;
      if (inode === 0) continue; // never asked for: a socket with inode 0 has no owner
      const slot = this.slotOf(inode);
      if (firsts[slot] !== -1) next[t] = firsts[slot] ?? -1;
      keys[slot] = inode;
      firsts[slot] = t;
    }
    return this.byInode;
  }

  /** The slot of `inode` (non-zero): where it is, or the empty slot where it goes. */
  private slotOf(inode: number): number {
    const { keys } = this.index();
    const mask = keys.length - 1;
    let slot = Math.imul(inode, 0x9e3779b1) & mask;
    while (keys[slot] !== 0 && keys[slot] !== inode) slot = (slot + 1) & mask;
    return slot;
  }

  /**
   * The first triple of `inode`, or -1 when no walked fd refers to it (or it is 0). The first SCANNED_LOOKUPS
   * lookups read the triples in turn instead of making the table by inode: a table whose rows the addon
   * joined asks for a few rows only (those of several owners or none), and a pass over 100k triples costs a
   * tenth of the table's making (~5 ms).
   */
  private first(inode: number): number {
    if (inode === 0) return -1;
    if (this.byInode !== undefined || ++this.scans > SCANNED_LOOKUPS)
      return this.index().firsts[this.slotOf(inode)] ?? -1;
    return this.scanFrom(0, inode);
  }

  /** The triple after `t` with the same inode, in walk order, or -1 (see {@link first}). */
  private nextOf(t: number): number {
    if (this.byInode !== undefined) return this.byInode.next[t] ?? -1;
    return this.scanFrom(t + 1, this.holders[t * 3] ?? 0);
  }

  /** The first triple from `t` on whose inode is `inode`, or -1. */
  private scanFrom(t: number, inode: number): number {
    const holders = this.holders;
    for (let i = t * 3; i < holders.length - 2; i += 3) if (holders[i] === inode) return i / 3;
    return -1;
  }

  /**
   * The facts of `pid`, read from /proc once per join; undefined when the process is gone. A command name that
   * {@link commandOf} read is kept (and a process it found gone stays gone): one name per process per join.
   */
  factsOf(pid: number): ProcessFacts | undefined {
    if (!this.facts.has(pid)) {
      const { bootTime, users } = this.context;
      const command = this.commands.get(pid);
      let facts: ProcessFacts | undefined;
      if (!this.commands.has(pid)) facts = readProcessFacts(pid, bootTime, users);
      else if (command !== undefined) facts = readProcessFacts(pid, bootTime, users, command);
      this.facts.set(pid, facts);
    }
    return this.facts.get(pid);
  }

  /**
   * The command name of `pid` (its facts' when read, else /proc/PID/comm alone, once per join), or undefined
   * when the process is gone: for a caller that needs no other fact (ss's `users:` text).
   */
  commandOf(pid: number): string | undefined {
    if (this.facts.has(pid)) return this.facts.get(pid)?.command;
    if (!this.commands.has(pid)) this.commands.set(pid, readCommand(pid));
    return this.commands.get(pid);
  }

  /** The one triple of `inode` when exactly one walked fd refers to it (most sockets), else -1. */
  soleTriple(inode: number): number {
    const t = this.first(inode);
    return t !== -1 && this.nextOf(t) === -1 ? t : -1;
  }

  /**
   * soleTriple of many sockets in one loop: for i below `count`, out[i] = soleTriple(inodes[row]), row being
   * order[i] (i without `order`).
   */
  soleTriples(inodes: Uint32Array, count: number, order: ArrayLike<number> | undefined, out: Int32Array): void {
    const { firsts, next } = this.index();
    for (let i = 0; i < count; i++) {
      const inode = inodes[order === undefined ? i : (order[i] ?? 0)] ?? 0;
      const t = inode === 0 ? -1 : (firsts[this.slotOf(inode)] ?? -1);
      out[i] = t !== -1 && next[t] === -1 ? t : -1;
    }
  }

  /** The pid of triple `t`. */
  pidAt(t: number): number {
    return this.holders[t * 3 + 1] ?? 0;
  }

  /** The fd of triple `t`. */
  fdAt(t: number): number {
    return this.holders[t * 3 + 2] ?? 0;
  }

  /** Whether a socket of `inode` is left `permission-denied` (no owner found while some could not be seen). */
  deniedAt(inode: number): boolean {
    return this.denied && inode !== 0 && this.first(inode) === -1;
  }

  /**
   * A new Holder of `pid` (with no fds yet; `fds` its last key, which the CLI's JSON rows rely on: see
   * json-row-text.ts), or undefined when the process is gone.
   */
  readonly newHolder = (pid: number): Holder | undefined => {
    const facts = this.factsOf(pid);
    return facts === undefined ? undefined : { ...facts, fds: [] };
  };

  /**
   * Sets the owners and ownerStatus of `target` (a socket of `inode`, by default its own): `ok` with one owner per process (from `holderOf`, which gives a
   * Holder with empty fds, or undefined when the process is gone), pids ascending, each with its fds
   * ascending; `gone` when every holder exited; else `permission-denied` (see deniedAt) or `none`.
   */
  attach(
    target: OwnerTarget,
    inode = target.inode ?? 0,
    holderOf: (pid: number) => Holder | undefined = this.newHolder,
  ): void {
    const t = this.first(inode);
    if (t === -1) {
      target.owners = [];
      target.ownerStatus = this.deniedAt(inode) ? 'permission-denied' : 'none';
      return;
    }
    const holders = this.holders;
    if (this.nextOf(t) === -1) {
      // The common case: one process holds the socket through one fd.
      const sole = holderOf(holders[t * 3 + 1] ?? 0);
      sole?.fds.push(holders[t * 3 + 2] ?? 0);
      target.owners = sole === undefined ? [] : [sole];
    } else {
      const owners: Holder[] = [];
      for (let i = t; i !== -1; i = this.nextOf(i)) {
        const pid = holders[i * 3 + 1] ?? 0;
        const fd = holders[i * 3 + 2] ?? 0;
        const existing = owners.find((o) => o.pid === pid);
        if (existing !== undefined) {
          existing.fds.push(fd);
          continue;
        }
        const holder = holderOf(pid);
        if (holder === undefined) continue;
        holder.fds.push(fd);
        owners.push(holder);
      }
      for (const o of owners) if (o.fds.length > 1) o.fds.sort((a, b) => a - b);
      target.owners = owners.length > 1 ? owners.sort((a, b) => a.pid - b.pid) : owners;
    }
    target.ownerStatus = target.owners.length > 0 ? 'ok' : 'gone';
  }
}

/**
 * Fills `owners` and `ownerStatus` of each socket from an fd walk (see OwnerJoin), with new Owner objects.
 * Returns how many sockets are left with `permission-denied`.
 */
export function attachOwners(sockets: Socket[], walk: FdWalkResult, context: OwnerContext): number {
  const join = new OwnerJoin(walk, context);
  let unknown = 0;
  for (const socket of sockets) {
    join.attach(socket);
    if (socket.ownerStatus === 'permission-denied') unknown++;
  }
  return unknown;
}
