import type { KillCandidate } from './kill-plan.js';
import type { Lineage } from './kill-stop.js';
import { processNow } from './process-check.js';

/**
 * How a process found holding the port after the signals relates to the processes signalled:
 * - `child`: a descendant of one (forked while it was waited for, or its parent chain leads there);
 * - `process-group`: in the process group of one (a child whose parent exited before it was seen
 *   is reparented, but keeps the group);
 * - `unrelated`: neither (another program took the port).
 */
export type HolderRelation = 'child' | 'process-group' | 'unrelated';

/** How deep to follow a parent chain: deeper than any real process tree, and a bound on a loop. */
const MAX_DEPTH = 64;

/**
 * The relation of `holder` to the `signalled` processes (pid -> candidate, with its start ticks and
 * process group), and the pid it relates to. Reads /proc/PID/stat along the holder's parent chain.
 */
export function relationOf(
  holder: KillCandidate,
  signalled: ReadonlyMap<number, KillCandidate>,
  lineage: Lineage,
): { relation: HolderRelation; relatedTo?: number } {
  // A process known by pid and start time: signalled, or seen as the child of one (-> that one).
  const known = (pid: number, startTicks: number): number | undefined => {
    if (signalled.get(pid)?.startTicks === startTicks) return pid;
    const seen = lineage.get(pid);
    return seen?.startTicks === startTicks ? seen.parent : undefined;
  };
  if (holder.startTicks === undefined || holder.pgrp === undefined) {
    // Off Linux: no parent chain or process group to read; only a signalled process itself is known.
    const same = signalled.get(holder.owner.pid);
    return same !== undefined && same.startedAt === holder.startedAt
      ? { relation: 'child', relatedTo: holder.owner.pid }
      : { relation: 'unrelated' };
  }
  const self = known(holder.owner.pid, holder.startTicks);
  if (self !== undefined) return { relation: 'child', relatedTo: self };
  let pid = holder.owner.pid;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const ppid = processNow(pid)?.ppid ?? 0;
    const parent = ppid > 1 ? processNow(ppid) : undefined;
    if (parent === undefined) break;
    const hit = known(ppid, parent.startTicks);
    if (hit !== undefined) return { relation: 'child', relatedTo: hit };
    pid = ppid;
  }
  for (const c of signalled.values()) {
    if (c.pgrp === holder.pgrp) return { relation: 'process-group', relatedTo: c.owner.pid };
  }
  return { relation: 'unrelated' };
}
