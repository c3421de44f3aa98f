import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { runScan as runScanFromSources, type PortResult } from '../../src/index.js';
import { fixtureInNetns } from '../helpers/netns-fixture.js';
import { builtCli, builtCliArgv, canMakeNetnsFor } from '../helpers/system.js';

// Worker threads run the compiled port-worker.js: these tests use the built library (dist/), which
// CI builds before the tests run.
type Library = typeof import('../../src/index.js');
const dist = new URL('../../dist/index.js', import.meta.url).href;
let lib: Library;

beforeAll(async () => {
  if (builtCli) lib = (await import(dist)) as Library;
});

/** Each port's count among results: every port of `expected` exactly once, nothing else. */
function coverage(ports: readonly PortResult[], expected: number): { missing: number; extra: number } {
  const seen = new Map<number, number>();
  for (const p of ports) seen.set(p.port, (seen.get(p.port) ?? 0) + 1);
  let missing = 0;
  for (let port = 1; port <= expected; port++) if (seen.get(port) !== 1) missing++;
  const extra = [...seen.keys()].filter((port) => port < 1 || port > expected).length;
  return { missing, extra };
}

describe.skipIf(!builtCli)('scan in worker threads (built library)', () => {
  it('splits each --shard between threads: 3 shards x 2 threads cover ports 1-30000 exactly once', async () => {
    const all: PortResult[] = [];
    for (const index of [0, 1, 2]) {
      const { ports } = await lib.runScan(['127.0.0.1'], {
        ports: '1-30000',
        ping: false,
        timingTemplate: 4,
        workers: 2,
        seed: 11,
        shard: { index, count: 3 },
      });
      expect(ports.length).toBe(10_000);
      all.push(...ports);
    }
    expect(coverage(all, 30_000)).toEqual({ missing: 0, extra: 0 });
  });

  it('keeps --max-rate for all threads together', async () => {
    const { summary } = await lib.runScan(['127.0.0.1'], { ports: '1-600', ping: false, maxRate: 1000, workers: 2 });
    // 600 probes at 1000/s in all take about 0.6 s; at 1000/s per thread they would take 0.3 s.
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(500);
    expect(summary.probes.sent).toBe(600);
  });

  it('stops every thread on abort, with ABORTED', async () => {
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 100);
    const started = Date.now();
    await expect(
      lib.runScan(['127.0.0.1'], { ports: '-', ping: false, maxRate: 2000, workers: 2, signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    // The whole range at 2000/s would take 33 s.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('scan workers option', () => {
  it('refuses a worker count out of range, and threads when running from the sources', async () => {
    await expect(runScanFromSources(['127.0.0.1'], { ports: '1', workers: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'Expected workers to be an integer 1-64, got `0`',
    });
    await expect(runScanFromSources(['127.0.0.1'], { ports: '1', workers: 2 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});

// In a namespace of its own, where only the fixture listens: on the host's loopback, other test files open
// and close listeners meanwhile, and a port open during the scan but closed when the test looked failed
// "every open port really listens".
describe.skipIf(!builtCli || !canMakeNetnsFor('the whole-range scan in threads'))(
  'scan in worker threads (CLI)',
  () => {
    const ns = `psthreads${String(process.pid)}`;
    let holder = 0;
    fixtureInNetns<{ port: number }>(ns, 'netns-holder.py', (fixture) => {
      holder = fixture.info.port;
    });

    it('scans all 65535 loopback ports in 2 threads: each port once, only the listener open', () => {
      const argv = builtCliArgv('scan', '127.0.0.1', '-p-', '-Pn', '-T4', '--workers', '2', '--json');
      const out = execFileSync('ip', ['netns', 'exec', ns, ...argv], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
        timeout: 120_000,
      });
      const { ports, summary } = JSON.parse(out) as {
        ports: PortResult[];
        summary: { ports: Record<string, number>; probes: { sent: number } };
      };
      expect(coverage(ports, 65535)).toEqual({ missing: 0, extra: 0 });
      expect(ports.filter((p) => p.state === 'open').map((p) => p.port)).toEqual([holder]);
      expect(summary.ports.filtered).toBe(0);
      expect(summary.probes.sent).toBeGreaterThanOrEqual(65535);
    });
  },
);
