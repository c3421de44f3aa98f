import type { Owner, Socket } from '../../model/index.js';
import type { FdWalkResult } from './fd-walk.js';
import { readProcessFacts, type ProcessFacts } from './process-info.js';

/** What owner lookup needs from the machine. */
export interface OwnerContext {
  readonly bootTime: number | undefined;
  readonly users: ReadonlyMap<number, string>;
}

/**
 * Fills `owners` and `ownerStatus` of each socket from an fd walk: one Map by inode, one fact read
 * per owning process. Returns how many sockets are left with `permission-denied`.
 */
export function attachOwners(sockets: Socket[], walk: FdWalkResult, context: OwnerContext): number {
  // inode -> flat [pid, fd, pid, fd, ...]: most sockets have one holder, so no Map per socket.
  const byInode = new Map<number, number[]>();
  const { holders } = walk;
  for (let i = 0; i < holders.length; i += 3) {
    const inode = holders[i] ?? 0;
    const pair = byInode.get(inode);
    if (pair === undefined) byInode.set(inode, [holders[i + 1] ?? 0, holders[i + 2] ?? 0]);
    else pair.push(holders[i + 1] ?? 0, holders[i + 2] ?? 0);
  }
  const facts = new Map<number, ProcessFacts | undefined>();
  const factsOf = (pid: number) => {
    if (!facts.has(pid)) facts.set(pid, readProcessFacts(pid, context.bootTime, context.users));
    return facts.get(pid);
  };
  const denied = walk.denied.length > 0;
  let unknown = 0;
  for (const socket of sockets) {
    const pairs = socket.inode === 0 ? undefined : byInode.get(socket.inode);
    if (pairs === undefined) {
      socket.ownerStatus = denied && socket.inode !== 0 ? 'permission-denied' : 'none';
      if (socket.ownerStatus === 'permission-denied') unknown++;
      continue;
    }
    socket.owners = ownersOf(pairs, factsOf);
    socket.ownerStatus = socket.owners.length > 0 ? 'ok' : 'gone';
  }
  return unknown;
}

/** Owners from flat `[pid, fd, ...]` pairs: one Owner per pid, fds ascending, pids ascending. */
function ownersOf(pairs: readonly number[], factsOf: (pid: number) => ProcessFacts | undefined): Owner[] {
  const owners: Owner[] = [];
  for (let i = 0; i < pairs.length; i += 2) {
    const pid = pairs[i] ?? 0;
    const fd = pairs[i + 1] ?? 0;
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
