import type { Owner, Socket, SnapshotWarning } from '../../model/index.js';
import type { FdWalkResult } from './fd-walk.js';
import { readProcessFacts, type ProcessFacts } from './process-info.js';

/** What owner lookup needs from the machine. */
export interface OwnerContext {
  readonly bootTime: number | undefined;
  readonly users: ReadonlyMap<number, string>;
}

/**
 * Fills `owners` and `ownerStatus` of each socket from an fd walk: one Map by inode, one fact read
 * per owning process. Adds one `PERMISSION_DENIED` warning when some processes could not be read,
 * saying how many sockets that leaves without owners and how to fix it.
 */
export function attachOwners(
  sockets: Socket[],
  walk: FdWalkResult,
  context: OwnerContext,
  warnings: SnapshotWarning[],
): void {
  const byInode = new Map<number, Map<number, number[]>>();
  const { holders } = walk;
  for (let i = 0; i < holders.length; i += 3) {
    const inode = holders[i] ?? 0;
    const pid = holders[i + 1] ?? 0;
    let pids = byInode.get(inode);
    if (pids === undefined) byInode.set(inode, (pids = new Map<number, number[]>()));
    const fds = pids.get(pid);
    if (fds === undefined) pids.set(pid, [holders[i + 2] ?? 0]);
    else fds.push(holders[i + 2] ?? 0);
  }
  const facts = new Map<number, ProcessFacts | undefined>();
  const factsOf = (pid: number) => {
    if (!facts.has(pid)) facts.set(pid, readProcessFacts(pid, context.bootTime, context.users));
    return facts.get(pid);
  };
  const denied = walk.denied.length > 0;
  let unknown = 0;
  for (const socket of sockets) {
    const pids = socket.inode === 0 ? undefined : byInode.get(socket.inode);
    if (pids === undefined) {
      socket.ownerStatus = denied && socket.inode !== 0 ? 'permission-denied' : 'none';
      if (socket.ownerStatus === 'permission-denied') unknown++;
      continue;
    }
    const owners: Owner[] = [];
    for (const [pid, fds] of pids) {
      const process = factsOf(pid);
      if (process !== undefined) owners.push({ ...process, fds: fds.sort((a, b) => a - b) });
    }
    socket.owners = owners.sort((a, b) => a.pid - b.pid);
    socket.ownerStatus = owners.length > 0 ? 'ok' : 'gone';
  }
  if (denied) {
    warnings.push({
      code: 'PERMISSION_DENIED',
      message: `Owners of ${String(unknown)} sockets are unknown: ${String(walk.denied.length)} processes of other users could not be read; run as root (sudo) to see them`,
    });
  }
}
