import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { walkFds, type FdWalkResult } from './fd-walk.js';

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

/**
 * Starts the fd walk of {@link walkFds} over `pids`, on worker threads when the host has many
 * sockets (`socketCount` above 20,000) and more than one core, else on this thread. The caller can
 * do other work (read the socket tables) while the workers run. Results are merged.
 */
export function startFdWalk(
  pids: readonly number[],
  socketCount: number,
  wanted: ReadonlySet<number> | null,
): Promise<FdWalkResult> {
  const threads = Math.min(availableParallelism(), 4);
  if (threads < 2 || socketCount < PARALLEL_THRESHOLD) {
    return Promise.resolve(walkFds(fs, pids, 0, 1, wanted));
  }
  const runs = Array.from({ length: threads }, (_, slice) => runWorker(pids, slice, threads, wanted));
  return Promise.all(runs).then((results) => {
    const merged: FdWalkResult = { holders: [], denied: [], gone: [] };
    for (const r of results) {
      for (const v of r.holders) merged.holders.push(v);
      merged.denied.push(...r.denied);
      merged.gone.push(...r.gone);
    }
    merged.denied = [...new Set(merged.denied)];
    merged.gone = [...new Set(merged.gone)];
    return merged;
  });
}
