import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hasNativeAddon, nativeAddon } from '../../src/index.js';
import { onePassUnavailable } from '../../src/inventory/linux/bpf-sockets.js';
import { tcpStateMask } from '../../src/inventory/linux/diag-request.js';
import { TCP_STATES } from '../../src/model/index.js';
import type { Fixture } from '../helpers/fixture.js';
import { fixtureInNetns } from '../helpers/netns-fixture.js';
import { canMakeNetnsFor, hasTool } from '../helpers/system.js';

// What one `ls` reads and starts, seen from its system calls (strace): /proc/net/sockstat opened once, one
// owner walk (a BPF iterator), whichever path (columns or Socket objects) prints, and when the columnar read
// falls back to the object path after it started the walk (UDP-Lite with the one BPF pass over the namespaces).

const bin = fileURLToPath(new URL('../../bin/portscope.js', import.meta.url));
const bundled = existsSync(new URL('../../dist/bundle/main.js', import.meta.url));
const name = `psls-reads-${String(process.pid)}`;
const dir = mkdtempSync(join(tmpdir(), 'portscope-ls-reads-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
let fixture: Fixture<{ pid: number; child: number; zombie: number }> | undefined;
let runs = 0;

const addon = hasNativeAddon() ? nativeAddon() : undefined;
const query = {
  protocols: new Set(['tcp', 'udp'] as const),
  families: new Set(['inet', 'inet6'] as const),
  tcpListenersOnly: false,
  tcpStateMask: tcpStateMask(TCP_STATES),
};
const bpfWhy = addon === undefined ? 'no addon' : onePassUnavailable(addon, { namespaces: 2, query, details: false });

/** One `portscope ls ARGS` under strace (openat and bpf calls, every thread): what it printed and called. */
async function traced(args: readonly string[], columnar: '0' | '1'): Promise<{ stdout: string; calls: string }> {
  const trace = join(dir, `trace-${String((runs += 1))}`);
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      'strace',
      ['-f', '-qq', '-e', 'trace=openat,bpf', '-o', trace, process.execPath, bin, 'ls', ...args],
      // A host with many sockets prints more than execFile's default 1 MiB.
      { env: { ...process.env, PORTSCOPE_COLUMNAR: columnar }, timeout: 30_000, maxBuffer: 256 << 20 },
      (error, out) => {
        if (error === null) resolve(out);
        else reject(new Error(`strace portscope ls ${args.join(' ')}: ${error.message}`));
      },
    );
  });
  return { stdout, calls: readFileSync(trace, 'utf8') };
}

const count = (calls: string, pattern: RegExp) => calls.split('\n').filter((l) => pattern.test(l)).length;
const SOCKSTAT = /openat\(.*"\/proc\/net\/sockstat"/;
const ITERATOR = /bpf\(BPF_ITER_CREATE/;
/** The lines of the fixture's sockets (named by its owners), sorted. */
const fixtureLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.includes(`pid=${String(fixture?.pid)},`))
    .sort();

describe.skipIf(
  !bundled ||
    !canMakeNetnsFor('the ls read counts') ||
    !hasTool('strace', 'the ls read counts') ||
    bpfWhy !== undefined,
)('ls over several namespaces reads sockstat once and walks the owners once', () => {
  fixtureInNetns(name, 'owner-columns.py', (started: NonNullable<typeof fixture>) => (fixture = started));

  it('ls -tanp opens /proc/net/sockstat once, from columns as from Socket objects', async () => {
    for (const columnar of ['1', '0'] as const) {
      const { stdout, calls } = await traced(['-tanp'], columnar);
      expect(fixtureLines(stdout).length).toBeGreaterThan(0);
      expect({ columnar, opens: count(calls, SOCKSTAT) }).toEqual({ columnar, opens: 1 });
    }
  });

  it('ls -tuanp (UDP-Lite: columns fall back after the walk started) walks once, with the same owners', async () => {
    const objects = await traced(['-tuanp'], '0');
    const fallback = await traced(['-tuanp'], '1');
    const withoutOwners = await traced(['-tuan'], '1');
    // The object path's iterators: the sockets' one pass and the owner walk; without -p, the pass alone.
    expect(count(objects.calls, ITERATOR)).toBe(count(withoutOwners.calls, ITERATOR) + 1);
    expect(count(fallback.calls, ITERATOR)).toBe(count(objects.calls, ITERATOR));
    expect(count(fallback.calls, SOCKSTAT)).toBe(1);
    expect(fixtureLines(fallback.stdout)).toEqual(fixtureLines(objects.stdout));
    expect(fixtureLines(fallback.stdout).length).toBeGreaterThan(2);
  });
});
