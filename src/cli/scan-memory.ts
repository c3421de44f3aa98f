import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { PortscopeError } from '../errors.js';
import type { ScanPlan } from '../scan/index.js';

/**
 * Heap a port result costs when the CLI keeps it for an output that needs the whole scan: about
 * 380 bytes held (measured: 100,000 loopback results, heap after GC), plus the output built from
 * them at the end (table rows, JSON text, the sort).
 */
export const KEPT_RESULT_BYTES = 640;

/** Share of the heap left at the check that kept results may take: the rest is the scanner's own. */
const HEAP_SHARE = 0.8;

/**
 * Past this share of its limit, the heap is about to run out: stop with a message before V8 aborts.
 * Below 0.8 because V8 aborts ("Ineffective mark-compacts near heap limit") once the old generation is
 * past 80% of its limit and four mark-compacts in a row leave the program under 40% of the time; on
 * Node 24 that came at 84% (53.9 of 64 MB) in 3 of 30 runs of the heap test.
 */
const HEAP_ALARM = 0.75;

const MIB = 1024 * 1024;

/**
 * V8's heap limit counts the young generation besides the old one, which is what runs out:
 * `--max-old-space-size=64` gives a limit of 112 MiB on Node 20 (3 x 16 MiB semi-spaces) and of 256 MiB
 * on Node 24 (3 x 64 MiB), and dies near 64 on both. Used when no --max-old-space-size is given.
 */
const YOUNG_GENERATION_BYTES = (Number(process.versions.v8.split('.')[0]) >= 13 ? 192 : 48) * MIB;

/** The --max-old-space-size given to this Node (command line, then NODE_OPTIONS), in bytes. */
function oldSpaceFlag(): number | undefined {
  const words = [...(process.env.NODE_OPTIONS ?? '').split(/\s+/), ...process.execArgv].reverse();
  for (const word of words) {
    const match = /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(word);
    if (match !== null) return Number(match[1]) * MIB;
  }
  return undefined;
}

/** The old generation's limit and its use now, in bytes: what a scan's kept results fill. */
function oldGeneration(): { limit: number; used: number } {
  const { heap_size_limit: total } = getHeapStatistics();
  const used = getHeapSpaceStatistics()
    .filter((s) => !s.space_name.startsWith('new_'))
    .reduce((sum, s) => sum + s.space_used_size, 0);
  const flag = oldSpaceFlag();
  return { limit: Math.min(total, flag ?? Math.max(total / 4, total - YOUNG_GENERATION_BYTES)), used };
}

const mb = (bytes: number) => `${Math.ceil(bytes / 1024 / 1024).toLocaleString('en-US')} MB`;

/** The hint every memory message ends with. */
const HOW_TO_FIT =
  'use --format ndjson or --format csv (they stream and keep nothing), scan fewer hosts or ports (or one --shard at a time), or raise the heap (NODE_OPTIONS=--max-old-space-size=MB)';

/**
 * Refuses, before any probe is sent, a scan whose results `keptFor` (the output that needs them
 * all, such as `--format table`) would not fit in the heap left: one line with the estimate.
 * @throws PortscopeError `INVALID_ARGUMENT`.
 */
export function checkKeptFits(plan: ScanPlan, keptFor: string): void {
  const { limit, used } = oldGeneration();
  const need = plan.results * KEPT_RESULT_BYTES;
  const room = (limit - used) * HEAP_SHARE;
  if (need <= room) return;
  throw new PortscopeError(
    'INVALID_ARGUMENT',
    `Refusing to scan ${plan.hosts.toLocaleString('en-US')} host${plan.hosts === 1 ? '' : 's'} x ${plan.portsPerHost.toLocaleString('en-US')} port${plan.portsPerHost === 1 ? '' : 's'}: ${keptFor} keeps every result, about ${mb(need)} for ${plan.results.toLocaleString('en-US')} results, more than the ${mb(room)} of heap free; ${HOW_TO_FIT}`,
  );
}

/**
 * Watches the heap while a scan runs: when it passes {@link HEAP_ALARM} of its limit, calls
 * `onExhausted` once with a one-line message (V8 would otherwise abort the process with no word
 * of ours). Returns the function that stops watching.
 */
export function watchHeap(onExhausted: (message: string) => void, everyMs = 100): () => void {
  const timer = setInterval(() => {
    const { limit, used } = oldGeneration();
    if (used < limit * HEAP_ALARM) return;
    clearInterval(timer);
    onExhausted(`Stopped the scan: the heap holds ${mb(used)} of its ${mb(limit)} limit; ${HOW_TO_FIT}`);
  }, everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}
