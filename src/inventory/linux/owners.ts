import type { Owner, Socket } from '../../model/index.js';
import type { FdWalkResult } from './fd-walk.js';
import { readProcessFacts, type ProcessFacts } from './process-info.js';

/** What owner lookup needs from the machine. */
export interface OwnerContext {
  readonly bootTime: number | undefined;
  readonly users: ReadonlyMap<number, string>;
  /** /proc hides other users' processes (hidepid): a socket with no owner found may have an unseen one. */
  readonly othersHidden?: boolean;
}

/**
 * Fills `owners` and `ownerStatus` of each socket from an fd walk: the walk's flat triples are
 * joined by inode (one Map to the first triple, an Int32Array chaining the rest), with one fact
 * read per owning process. Returns how many sockets are left with `permission-denied`.
 */
export function attachOwners(sockets: Socket[], walk: FdWalkResult, context: OwnerContext): number {
  const { holders } = walk;
  const count = Math.floor(holders.length / 3);
  const first = new Map<number, number>();
  const next = new Int32Array(count).fill(-1);
  for (let t = count - 1; t >= 0; t--) {
    const inode = holders[t * 3] ?? 0;
    const head = first.get(inode);
    if (head !== undefined) next[t] = head;
    first.set(inode, t);
  }
  const facts = new Map<number, ProcessFacts | undefined>();
  const factsOf = (pid: number) => {
    if (!facts.has(pid)) facts.set(pid, readProcessFacts(pid, context.bootTime, context.users));
    return facts.get(pid);
  };
  const denied = walk.denied.length > 0 || context.othersHidden === true;
  let unknown = 0;
  for (const socket of sockets) {
    const inode = socket.inode ?? 0;
    const t = inode === 0 ? undefined : first.get(inode);
    if (t === undefined) {
      socket.ownerStatus = denied && inode !== 0 ? 'permission-denied' : 'none';
      if (socket.ownerStatus === 'permission-denied') unknown++;
      continue;
    }
    socket.owners = next[t] === -1 ? soleOwner(holders, t, factsOf) : ownersOf(holders, next, t, factsOf);
    socket.ownerStatus = socket.owners.length > 0 ? 'ok' : 'gone';
  }
  return unknown;
}

type FactsOf = (pid: number) => ProcessFacts | undefined;

/** The common case: one process holds the socket through one fd. */
function soleOwner(holders: ArrayLike<number>, t: number, factsOf: FactsOf): Owner[] {
  const process = factsOf(holders[t * 3 + 1] ?? 0);
  return process === undefined ? [] : [{ ...process, fds: [holders[t * 3 + 2] ?? 0] }];
}

/** Owners from the chain of triples starting at `t`: one Owner per pid, fds ascending, pids ascending. */
function ownersOf(holders: ArrayLike<number>, next: Int32Array, t: number, factsOf: FactsOf): Owner[] {
  const owners: (Owner & { fds: number[] })[] = [];
  for (let i = t; i !== -1; i = next[i] ?? -1) {
    const pid = holders[i * 3 + 1] ?? 0;
    const fd = holders[i * 3 + 2] ?? 0;
    const existing = owners.find((o) => o.pid === pid);
    if (existing !== undefined) {
      existing.fds.push(fd);
      continue;
    }
    const process = factsOf(pid);
    if (process !== undefined) owners.push({ ...process, fds: [fd] });
  }
  for (const o of owners) if (o.fds.length > 1) o.fds.sort((a, b) => a - b);
  return owners.length > 1 ? owners.sort((a, b) => a.pid - b.pid) : owners;
}
