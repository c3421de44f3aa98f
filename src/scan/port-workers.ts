import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { PortscopeError } from '../errors.js';
import type { EngineStats } from './engine.js';
import type { Shard } from './permutation.js';
import type { PortSet } from './port-spec.js';
import type { ScanTarget } from './resolve-targets.js';
import type { PortResult } from './result.js';
import type { TimingValues } from './timing.js';

const WORKER_URL = new URL('./port-worker.js', import.meta.url);
/** Below this many probes a scan is over before threads would pay for their start. */
const AUTO_MIN_PROBES = 16_384;
const AUTO_MAX_WORKERS = 4;

/** What a port worker starts with (structured-clone safe). */
export interface PortWorkerData {
  /** Hosts that are up, with what discovery learnt of them. */
  readonly hosts: readonly {
    readonly target: ScanTarget;
    readonly srttMs?: number;
    readonly maxSuccessfulTry: number;
  }[];
  readonly ports: PortSet;
  readonly seed: number;
  readonly shard?: Shard;
  readonly lane: Shard;
  readonly timing: TimingValues;
  readonly minRate?: number;
  readonly maxRate?: number;
  /** Name each result from the registry (ScanOptions.serviceNames). */
  readonly serviceNames: boolean;
  /** The TCP connect loop each worker opens for itself (the scan's choice). */
  readonly connectBackend: 'native' | 'javascript';
  /** This worker's share of the fd-bound window limit, and its first window. */
  readonly windowLimit: number;
  readonly initialWindow: number;
}

/** What a port worker posts to the main thread. */
export type PortWorkerMessage =
  | { readonly type: 'results'; readonly results: PortResult[] }
  | { readonly type: 'host-timeout'; readonly address: string }
  | { readonly type: 'stats'; readonly stats: EngineStats; readonly window: number }
  | { readonly type: 'done'; readonly stats: EngineStats };

/** True when the compiled worker script is there (not when running from the TypeScript sources). */
export function workersAvailable(): boolean {
  return WORKER_URL.protocol === 'file:' && existsSync(fileURLToPath(WORKER_URL));
}

/**
 * Checks the `workers` option: an integer 1-64, and more than 1 only with the compiled worker.
 * @throws PortscopeError `INVALID_ARGUMENT` saying which.
 */
export function checkWorkers(requested: number | undefined): void {
  if (requested === undefined) return;
  if (!Number.isInteger(requested) || requested < 1 || requested > 64) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected workers to be an integer 1-64, got \`${String(requested)}\``,
    );
  }
  if (requested > 1 && !workersAvailable()) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      'Expected workers 1 when running from the TypeScript sources: worker threads need the built library (dist/)',
    );
  }
}

/**
 * How many worker threads a port scan of `probes` uses: `requested` when given (checked by
 * {@link checkWorkers}; 1 = none); by default several (as many as the cores, at most 4) for a
 * TCP-only scan of at least 16,384 probes with no scan delay and no --max-parallelism 1 on the
 * JavaScript connect loop, where one event loop is the bottleneck, else 1 (the native loop does the
 * system calls on threads of its own, and more workers only cost CPU: 4.1 s vs 5.0 s for `-p-`).
 */
export function workerCount(
  requested: number | undefined,
  probes: number,
  ports: PortSet,
  timing: Pick<TimingValues, 'scanDelayMs' | 'maxParallelism'>,
  nativeLoop = false,
): number {
  if (requested !== undefined) return requested;
  if (nativeLoop) return 1;
  const cores = availableParallelism();
  const suited =
    ports.udp.length === 0 &&
    probes >= AUTO_MIN_PROBES &&
    timing.scanDelayMs === 0 &&
    timing.maxParallelism !== 1 &&
    cores >= 2 &&
    workersAvailable();
  return suited ? Math.min(cores, AUTO_MAX_WORKERS) : 1;
}

/** Callbacks and shared counters of {@link runPortWorkers}. */
export interface PortWorkersRun {
  readonly count: number;
  readonly data: Omit<PortWorkerData, 'lane'>;
  readonly signal: AbortSignal;
  /** Totals of every worker's counters, kept current. */
  readonly stats: EngineStats;
  onResult(result: PortResult): void;
  onHostTimeout(address: string): void;
  /** The sum of the workers' windows, as they report it. */
  onWindow?(size: number): void;
}

const STAT_KEYS = ['sent', 'retries', 'pings', 'selfConnects', 'backPressure', 'inFlight'] as const;

/**
 * Runs the port phase in `count` worker threads, lane i of count each, so that every (host, port)
 * of the shard is probed exactly once. Resolves when every worker is done; an abort of `signal` is
 * passed on and they stop.
 * @throws PortscopeError `IO_ERROR` when a worker fails.
 */
export async function runPortWorkers(run: PortWorkersRun): Promise<void> {
  const latest: (EngineStats | undefined)[] = [];
  const windows: number[] = [];
  const sum = () => {
    for (const key of STAT_KEYS) run.stats[key] = latest.reduce((total, s) => total + (s?.[key] ?? 0), 0);
    run.stats.aborted = latest.some((s) => s?.aborted === true);
  };
  // Loaded only when a scan uses threads (never on the native loop by default).
  const { Worker } = await import('node:worker_threads');
  const workers = Array.from(
    { length: run.count },
    (_, index) =>
      new Worker(WORKER_URL, {
        workerData: { ...run.data, lane: { index, count: run.count } } satisfies PortWorkerData,
      }),
  );
  const abort = () => {
    for (const worker of workers) worker.postMessage({ type: 'abort' });
  };
  run.signal.addEventListener('abort', abort, { once: true });
  try {
    await Promise.all(
      workers.map(
        (worker, index) =>
          new Promise<void>((resolve, reject) => {
            let done = false;
            worker.on('message', (message: PortWorkerMessage) => {
              if (message.type === 'results') {
                for (const result of message.results) run.onResult(result);
              } else if (message.type === 'host-timeout') {
                run.onHostTimeout(message.address);
              } else {
                latest[index] = message.stats;
                sum();
                if (message.type === 'stats') {
                  windows[index] = message.window;
                  run.onWindow?.(windows.reduce((a, b) => a + b, 0));
                } else {
                  done = true;
                  void worker.terminate().then(() => {
                    resolve();
                  });
                }
              }
            });
            worker.once('error', (error) => {
              reject(new PortscopeError('IO_ERROR', `A scan worker failed: ${error.message}`, { cause: error }));
            });
            worker.once('exit', (code) => {
              if (!done) reject(new PortscopeError('IO_ERROR', `A scan worker exited early (code ${String(code)})`));
            });
          }),
      ),
    );
  } finally {
    run.signal.removeEventListener('abort', abort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
