import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { walkFds, type FdWalkResult } from './fd-walk.js';
import { nativeAddon, type NativeAddon } from './native.js';
import { parseStat, parseStatusFdSize } from './proc-stat.js';
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

function runWorker(pids: readonly number[], slice: number, slices: number, wanted: ReadonlySet<number> | null) {
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

/** Every descendant of `roots` among `pids` (children, grandchildren...), roots excluded. */
function descendantsOf(roots: ReadonlySet<number>, pids: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  for (const pid of pids) {
    const parent = parseStat(readSmallText(`/proc/${String(pid)}/stat`) ?? '')?.ppid;
    if (parent === undefined) continue;
    const list = children.get(parent) ?? [];
    list.push(pid);
    children.set(parent, list);
  }
  const found: number[] = [];
  const queue = [...roots];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    for (const child of children.get(next) ?? []) {
      if (roots.has(child) || found.includes(child)) continue;
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * The fast owner search of `who`: walks /proc/PID/fd on one thread, processes with the smallest fd
 * tables first (a dev server is found before a proxy with 100k connections), and stops as soon
 * as every wanted inode has been seen once, then walks the descendants of the owners found in
 * full, since a forked child shares its parent's sockets. What it can miss, and a full walk would
 * not: a second holder that is not a descendant (a socket passed over a unix socket, SCM_RIGHTS),
 * and a holder's further fds for the same socket.
 */
export async function walkUntilFound(
  pids: readonly number[],
  wanted: ReadonlySet<number>,
  addon: NativeAddon | null = nativeAddon() ?? null,
): Promise<FdWalkResult> {
  const walk = async (list: readonly number[], stop: boolean): Promise<FdWalkResult> => {
    if (addon === null) return walkFds(fs, list, 0, 1, wanted, stop);
    const r = await addon.walkFds(Uint32Array.from(list), 0, 1, stop ? Uint32Array.from(wanted) : undefined);
    return { holders: r.holders, denied: [...r.denied], gone: [...r.gone] };
  };
  const sizes = new Map(
    pids.map((pid) => [pid, parseStatusFdSize(readSmallText(`/proc/${String(pid)}/status`) ?? '') ?? Infinity]),
  );
  const first = await walk(
    [...pids].sort((a, b) => (sizes.get(a) ?? 0) - (sizes.get(b) ?? 0) || a - b),
    true,
  );
  const owners = new Set<number>();
  for (let i = 1; i < first.holders.length; i += 3) owners.add(first.holders[i] ?? 0);
  const more = descendantsOf(owners, pids);
  if (more.length === 0) return first;
  return merge([first, await walk(more, false)], wanted);
}
