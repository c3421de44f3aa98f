import * as fs from 'node:fs';
import { merge } from './fd-walk-parallel.js';
import { walkFds, type FdWalkResult } from './fd-walk.js';
import { nativeAddon, type NativeAddon } from './native.js';
import { parseStatusFdSize, parseStatusPpid } from './proc-stat.js';
import { readSmallText } from './read-proc.js';

/**
 * Reads one process's whole fd table, keeping the `wanted` inodes' triples, another way than /proc/PID/fd: the
 * BPF task_file iterator restricted to that process (walkProcessBpf). Rejects when it cannot (walkUntilFound
 * then walks /proc/PID/fd, as without it).
 */
export type LargeTableWalk = (pid: number, wanted: ReadonlySet<number>) => Promise<FdWalkResult>;

/**
 * The `FDSize` above which walkUntilFound hands a process to its LargeTableWalk: a table that once held more
 * than 4,096 fds. Measured on a 2-core VM (a holder of 17,805 fds): /proc/PID/fd on two threads 36 ms (70 ms
 * of CPU), the BPF iterator 15 ms, its load (~9 ms) included; /proc costs ~1.5 us per fd on one thread.
 */
export const LARGE_FD_TABLE = 4096;

/**
 * The fd table size (`FDSize`, Infinity when unknown) and the parent (`PPid`) of each of `pids`, from one
 * read of /proc/PID/status each: the order of the walk and its climb through parents (pids gone
 * meanwhile have no parent). One read instead of status then stat: each costs ~0.1-0.2 ms per process.
 */
function sizesAndParents(pids: readonly number[]): { sizes: Map<number, number>; parents: Map<number, number> } {
  const sizes = new Map<number, number>();
  const parents = new Map<number, number>();
  for (const pid of pids) {
    const status = readSmallText(`/proc/${String(pid)}/status`) ?? '';
    sizes.set(pid, parseStatusFdSize(status) ?? Infinity);
    const parent = parseStatusPpid(status);
    if (parent !== undefined) parents.set(pid, parent);
  }
  return { sizes, parents };
}

/** Every descendant of `roots` (children, grandchildren...) in the `parents` map, roots excluded. */
function descendantsOf(roots: ReadonlySet<number>, parents: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, parent] of parents) {
    const list = children.get(parent) ?? [];
    list.push(pid);
    children.set(parent, list);
  }
  const found = new Set<number>();
  const queue = [...roots];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    for (const child of children.get(next) ?? []) {
      if (roots.has(child) || found.has(child)) continue;
      found.add(child);
      queue.push(child);
    }
  }
  return [...found];
}

/** The inodes held in a walk result. */
function inodesIn(result: FdWalkResult): Set<number> {
  const inodes = new Set<number>();
  for (let i = 0; i < result.holders.length; i += 3) inodes.add(result.holders[i] ?? 0);
  return inodes;
}

/** The pids that hold something in a walk result. */
function holdersIn(result: FdWalkResult): Set<number> {
  const pids = new Set<number>();
  for (let i = 1; i < result.holders.length; i += 3) pids.add(result.holders[i] ?? 0);
  return pids;
}

/**
 * The index in `order` of the last process the stopping walk `first` (of `order`) walked: the holder of its
 * last triple when it found every wanted inode, else the last of `order`.
 */
function stoppedAfter(first: FdWalkResult, order: readonly number[], wanted: ReadonlySet<number>): number {
  if (inodesIn(first).size < wanted.size) return order.length - 1;
  return order.indexOf(first.holders[first.holders.length - 2] ?? 0);
}

/**
 * The fast owner search of `who`: walks /proc/PID/fd on one thread, processes with the smallest fd
 * tables first (a dev server is found before a proxy with 100k connections), and stops after the
 * process in which every wanted inode has been seen once (so each process it walked, the holders
 * found among them, is walked in full, once). A socket inherited over fork() has a family of
 * holders, and the first one found may be any of them (a forked child's fd table can be smaller
 * than its parent's), so it then climbs from each holder found through the parents that hold a
 * wanted socket too, and walks in full those parents and every descendant of the holders (a
 * pre-fork server's master and all its workers) not walked yet. What it can miss, and a full walk would
 * not: a holder that got the socket over a unix socket (SCM_RIGHTS), and one related to the others
 * only through a process that has closed its copy (a daemon's grandchild after the middle process
 * closed it). With `large` (as root: see walkOwners), processes whose fd table is larger than LARGE_FD_TABLE
 * are read by it, one at a time and each in full, instead of /proc/PID/fd: the same triples, in less time.
 */
export async function walkUntilFound(
  pids: readonly number[],
  wanted: ReadonlySet<number>,
  addon: NativeAddon | null = nativeAddon() ?? null,
  large?: LargeTableWalk,
): Promise<FdWalkResult> {
  // Holders of the wanted inodes only, from either backend: the climb below follows them, and a
  // parent that holds other sockets must not pull its whole family into the full walk.
  const procfs = async (list: readonly number[], stop: boolean): Promise<FdWalkResult> => {
    if (addon === null) return walkFds(fs, list, 0, 1, wanted, stop);
    const r = await addon.walkFds(Uint32Array.from(list), 0, 1, stop ? Uint32Array.from(wanted) : undefined);
    const result = { holders: r.holders, denied: [...r.denied], gone: [...r.gone] };
    return stop ? result : merge([result], wanted); // a stopping walk keeps the wanted inodes only
  };
  const { sizes, parents } = sizesAndParents(pids);
  let other = large;
  const isLarge = (pid: number) => other !== undefined && (sizes.get(pid) ?? 0) > LARGE_FD_TABLE;
  // One large table in full, the wanted inodes' triples only; /proc/PID/fd from the first failure on.
  const one = async (pid: number): Promise<FdWalkResult> => {
    if (other !== undefined) {
      try {
        const result = await other(pid, wanted);
        return result.holders.length > 0 || fs.existsSync(`/proc/${String(pid)}`) ? result : { ...result, gone: [pid] };
      } catch {
        other = undefined;
      }
    }
    return procfs([pid], true);
  };
  const walk = async (list: readonly number[], stop: boolean): Promise<FdWalkResult> => {
    const big = list.filter(isLarge);
    if (big.length === 0) return procfs(list, stop);
    const rest = list.filter((pid) => !isLarge(pid));
    const results = rest.length === 0 ? [] : [await procfs(rest, stop)];
    for (const pid of big) results.push(await one(pid));
    return merge(results, null);
  };
  const order = [...pids].sort((a, b) => (sizes.get(a) ?? 0) - (sizes.get(b) ?? 0) || a - b);
  // Large tables sort last: the small ones' stopping walk first, then the large ones one by one until found.
  const cut = order.findIndex(isLarge);
  const small = cut < 0 ? order : order.slice(0, cut);
  const head = small.length === 0 ? { holders: [], denied: [], gone: [] } : await procfs(small, true);
  const firsts = [head];
  const seen = inodesIn(head);
  const walked = new Set(small.slice(0, stoppedAfter(head, small, wanted) + 1));
  for (let i = small.length; i < order.length && seen.size < wanted.size; i++) {
    const pid = order[i] ?? 0;
    const result = await one(pid);
    firsts.push(result);
    walked.add(pid);
    for (const inode of inodesIn(result)) seen.add(inode);
  }
  const first = firsts.length === 1 ? head : merge(firsts, null);
  const found = holdersIn(first);
  if (found.size === 0) return first;
  // The first walk walked in full every process up to the one it stopped after (the last holder found), or
  // all of them when some inode was never found: their holders are known, none is walked again.
  const results: FdWalkResult[] = [first];
  const family = new Set(found);
  const visited = new Set(found);
  for (let frontier = [...found]; frontier.length > 0;) {
    const up = [...new Set(frontier.map((pid) => parents.get(pid) ?? 0))].filter((p) => p > 0 && !visited.has(p));
    if (up.length === 0) break;
    for (const pid of up) visited.add(pid);
    const unwalked = up.filter((pid) => !walked.has(pid));
    const result = unwalked.length === 0 ? undefined : await walk(unwalked, false);
    if (result !== undefined) results.push(result);
    frontier = [...(result === undefined ? [] : holdersIn(result)), ...up.filter((pid) => found.has(pid))];
    for (const pid of frontier) family.add(pid);
  }
  const rest = descendantsOf(family, parents).filter((pid) => !visited.has(pid) && !walked.has(pid));
  if (rest.length > 0) results.push(await walk(rest, false));
  return merge(results, null);
}
