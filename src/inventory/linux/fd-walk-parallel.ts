import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import { walkFds, type FdWalkResult } from './fd-walk.js';
import { nativeAddon, type NativeAddon } from './native.js';

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
export function merge(results: readonly FdWalkResult[], wanted: ReadonlySet<number> | null): FdWalkResult {
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
