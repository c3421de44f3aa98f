import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import { walkFds, type FdWalkResult } from './fd-walk.js';
import { nativeAddon, type NativeAddon } from './native.js';
import { parseStatusFdSize, parseStatusPpid } from './proc-stat.js';
import { readSmallText } from './read-proc.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const walkFds = ${walkFds.toString()};
const { pids, slice, slices, wanted } = workerData;
const result = walkFds(require('node:fs'), pids, slice, slices, wanted ? new Set(wanted) : null);
parentPort.postMessage(result);
`;

/** Below this many open sockets on the host, starting threads costs more than it saves. */
const PARALLEL_THRESHOLD = 20_000;

async function runWorker(pids: readonly number[], slice: number, slices: number, wanted: ReadonlySet<number> | null) {
  // Loaded here: only a host without the addon walks in threads, and every listing evaluated this module.
  const { Worker } = await import('node:worker_threads');
  return new Promise<FdWalkResult>((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { pids, slice, slices, wanted: wanted === null ? null : [...wanted] },
    });
    worker.once('message', (result: FdWalkResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/** Concatenates walk results; with `wanted`, keeps only the triples of those inodes. */
function merge(results: readonly FdWalkResult[], wanted: ReadonlySet<number> | null): FdWalkResult {
  let total = 0;
  for (const r of results) total += r.holders.length;
  const holders = new Float64Array(total);
  let n = 0;
  for (const { holders: h } of results) {
    for (let i = 0; i < h.length; i += 3) {
      const inode = h[i] ?? 0;
      if (wanted !== null && !wanted.has(inode)) continue;
      holders[n++] = inode;
      holders[n++] = h[i + 1] ?? 0;
      holders[n++] = h[i + 2] ?? 0;
    }
  }
  return {
    holders: holders.subarray(0, n),
    denied: [...new Set(results.flatMap((r) => r.denied))],
    gone: [...new Set(results.flatMap((r) => r.gone))],
  };
}

async function walkNative(
  addon: NativeAddon,
  pids: readonly number[],
  slices: number,
  wanted: ReadonlySet<number> | null,
) {
  const list = Uint32Array.from(pids);
  const runs = Array.from({ length: slices }, (_, slice) => addon.walkFds(list, slice, slices));
  const results = (await Promise.all(runs)).map((r) => ({
    holders: r.holders,
    denied: [...r.denied],
    gone: [...r.gone],
  }));
  return merge(results, wanted);
}

/**
 * Starts the fd walk of /proc/PID/fd over `pids`: in C on the libuv threadpool when the native
 * addon is built, else {@link walkFds} in JavaScript, on worker threads when the host has many
 * sockets (`socketCount` above 20,000) and more than one core. `addon`: null forces JavaScript. Either way the caller can read the
 * socket tables while it runs. Results are merged; with `wanted`, only those inodes are kept.
 */
export function startFdWalk(
  pids: readonly number[],
  socketCount: number,
  wanted: ReadonlySet<number> | null,
  addon: NativeAddon | null = nativeAddon() ?? null,
): Promise<FdWalkResult> {
  const threads = Math.min(availableParallelism(), 4);
  const parallel = threads >= 2 && socketCount >= PARALLEL_THRESHOLD;
  if (addon !== null) return walkNative(addon, pids, parallel ? threads : 1, wanted);
  if (!parallel) return Promise.resolve(walkFds(fs, pids, 0, 1, wanted));
  const runs = Array.from({ length: threads }, (_, slice) => runWorker(pids, slice, threads, wanted));
  return Promise.all(runs).then((results) => merge(results, null));
}

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
  const inodes = new Set<number>();
  for (let i = 0; i < first.holders.length; i += 3) inodes.add(first.holders[i] ?? 0);
  if (inodes.size < wanted.size) return order.length - 1;
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
 * closed it).
 */
export async function walkUntilFound(
  pids: readonly number[],
  wanted: ReadonlySet<number>,
  addon: NativeAddon | null = nativeAddon() ?? null,
): Promise<FdWalkResult> {
  // Holders of the wanted inodes only, from either backend: the climb below follows them, and a
  // parent that holds other sockets must not pull its whole family into the full walk.
  const walk = async (list: readonly number[], stop: boolean): Promise<FdWalkResult> => {
    if (addon === null) return walkFds(fs, list, 0, 1, wanted, stop);
    const r = await addon.walkFds(Uint32Array.from(list), 0, 1, stop ? Uint32Array.from(wanted) : undefined);
    const result = { holders: r.holders, denied: [...r.denied], gone: [...r.gone] };
    return stop ? result : merge([result], wanted); // a stopping walk keeps the wanted inodes only
  };
  const { sizes, parents } = sizesAndParents(pids);
  const order = [...pids].sort((a, b) => (sizes.get(a) ?? 0) - (sizes.get(b) ?? 0) || a - b);
  const first = await walk(order, true);
  const found = holdersIn(first);
  if (found.size === 0) return first;
  // The first walk walked in full every process up to the one it stopped after (the last holder found), or
  // all of them when some inode was never found: their holders are known, none is walked again.
  const walked = new Set(order.slice(0, stoppedAfter(first, order, wanted) + 1));
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
