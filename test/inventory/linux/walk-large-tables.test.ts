import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { bpfUnavailable, walkProcessBpf } from '../../../src/inventory/linux/bpf-owners.js';
import { nativeAddon } from '../../../src/inventory/linux/native.js';
import { parseStatusFdSize } from '../../../src/inventory/linux/proc-stat.js';
import { LARGE_FD_TABLE, walkUntilFound } from '../../../src/inventory/linux/walk-until-found.js';
import { whoOwns } from '../../../src/ports/index.js';
import { startFixture, type Fixture } from '../../helpers/fixture.js';
import { watchFixture } from '../../helpers/watch-fixture.js';

interface LargeTable {
  pid: number;
  child: number;
  port: number;
  listener: number;
  pair: [number, number];
}

let fixture: Fixture<LargeTable>;
beforeAll(async () => {
  const script = new URL('../../helpers/large-fd-table.py', import.meta.url).pathname;
  fixture = await startFixture<LargeTable>('python3', [script]);
});
watchFixture(() => fixture);

const addon = nativeAddon() ?? null;
const object = readFileSync(new URL('../../../native/bpf/owners.bpf.o', import.meta.url));

/** The addon when BPF can run here (root, libbpf, the initial PID namespace), else skips the test. */
async function bpfOrSkip(context: TestContext) {
  let why = bpfUnavailable(addon);
  if (why === undefined && addon !== null) {
    await walkProcessBpf(addon, process.pid, new Set([0]), object).catch((error: unknown) => {
      const { code, message } = error as { code?: string; message: string };
      // Only a missing libbpf is the machine's; any other failure is ours, and fails the test.
      if (code === 'ENOENT' && message.startsWith('libbpf')) why = message;
    });
  }
  if (why !== undefined || addon === null || addon.bpfOwners === undefined) {
    return context.skip(`BPF cannot run here: ${why ?? 'no addon'}`);
  }
  return { ...addon, bpfOwners: addon.bpfOwners.bind(addon) };
}

/** Triples `inode/pid/fd`, sorted (repeats kept: a duplicate row would be a bug). */
function triples(flat: ArrayLike<number>, pids?: readonly number[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 3) {
    if (pids !== undefined && !pids.includes(flat[i + 1] ?? -1)) continue;
    out.push(`${String(flat[i])}/${String(flat[i + 1])}/${String(flat[i + 2])}`);
  }
  return out.sort();
}

const fdSize = (pid: number) => parseStatusFdSize(readFileSync(`/proc/${String(pid)}/status`, 'utf8')) ?? 0;

describe('a large fd table read by the BPF iterator of one process', { timeout: 90_000 }, () => {
  it('has a table larger than LARGE_FD_TABLE (the fixture is what the tests below need)', () => {
    expect(fdSize(fixture.pid)).toBeGreaterThan(LARGE_FD_TABLE);
    expect(fdSize(process.pid)).toBeLessThanOrEqual(LARGE_FD_TABLE);
  });

  it('bpfOwners(object, wanted, pid) gives that process its records of the full pass, and nothing of others', async (context) => {
    const bpf = await bpfOrSkip(context);
    const all = await bpf.bpfOwners(object);
    const one = await bpf.bpfOwners(object, undefined, fixture.pid);
    expect(triples(one)).toEqual(triples(all, [fixture.pid]));
    // The listener and the pairs, and the stdio that Node gave it (unix sockets).
    expect(triples(one).length).toBeGreaterThanOrEqual(1 + 2 * 2600);
    const wanted = await bpf.bpfOwners(object, Uint32Array.from([fixture.info.listener]), fixture.info.child);
    expect(triples(wanted)).toEqual(
      triples(all, [fixture.info.child]).filter((t) => t.startsWith(`${String(fixture.info.listener)}/`)),
    );
    expect(triples(wanted).length).toBe(1);
  });

  it('gives no records for a process that is gone, and refuses a pid that is not one', async (context) => {
    const bpf = await bpfOrSkip(context);
    let gone = 4_000_000;
    while (existsSync(`/proc/${String(gone)}`)) gone++;
    expect(await bpf.bpfOwners(object, undefined, gone)).toHaveLength(0);
    for (const bad of [0, -1, 2 ** 32, 1.5e10]) {
      expect(() => bpf.bpfOwners(object, undefined, bad)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
    expect(() => bpf.bpfOwners(object, undefined, '1' as unknown as number)).toThrow(/pid must be a number/);
  });

  it("lets walkUntilFound read only the large tables with it, and find the /proc walk's holders", async (context) => {
    const bpf = await bpfOrSkip(context);
    const pids = [process.pid, fixture.pid, fixture.info.child];
    const wanted = new Set([fixture.info.listener, fixture.info.pair[0]]);
    const handed: number[] = [];
    const large = (pid: number, inodes: ReadonlySet<number>) => {
      handed.push(pid);
      return walkProcessBpf(bpf, pid, inodes, object);
    };
    const withBpf = await walkUntilFound(pids, wanted, bpf, large);
    const procfs = await walkUntilFound(pids, wanted, bpf);
    expect(triples(withBpf.holders)).toEqual(triples(procfs.holders));
    // The listener in parent and child (its fork family), the pair's end in the parent only.
    expect(triples(withBpf.holders).map((t) => t.split('/').slice(0, 2).join('/'))).toEqual(
      [
        `${String(fixture.info.listener)}/${String(fixture.pid)}`,
        `${String(fixture.info.listener)}/${String(fixture.info.child)}`,
        `${String(fixture.info.pair[0])}/${String(fixture.pid)}`,
      ].sort(),
    );
    expect(handed.sort()).toEqual([fixture.pid, fixture.info.child].sort());
  });

  it('walks /proc/PID/fd instead when the BPF read fails, with the same holders', async (context) => {
    const bpf = await bpfOrSkip(context);
    const pids = [process.pid, fixture.pid, fixture.info.child];
    const wanted = new Set([fixture.info.listener]);
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error('BPF load failed: Operation not permitted'));
    };
    const walked = await walkUntilFound(pids, wanted, bpf, failing);
    expect(calls).toBe(1); // not tried again after the first failure
    expect(triples(walked.holders)).toEqual(triples((await walkUntilFound(pids, wanted, bpf)).holders));
    expect(triples(walked.holders)).toHaveLength(2);
  });

  it("gives whoOwns the listener's two holders", async () => {
    const found = await whoOwns(`${String(fixture.info.port)}/tcp`);
    const listener = found.sockets.find((s) => s.inode === fixture.info.listener);
    expect(listener?.owners.map((o) => o.pid).sort()).toEqual([fixture.pid, fixture.info.child].sort());
  });
});
