import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { walkProcessBpf } from '../../../src/inventory/linux/bpf-owners.js';
import { parseStatusFdSize } from '../../../src/inventory/linux/proc-stat.js';
import { LARGE_FD_TABLE, walkUntilFound } from '../../../src/inventory/linux/walk-until-found.js';
import { whoOwns } from '../../../src/ports/index.js';
import { addonWithBpf, ownersObject, triplesOf } from '../../helpers/bpf-owners.js';
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

const fdSize = (pid: number) => parseStatusFdSize(readFileSync(`/proc/${String(pid)}/status`, 'utf8')) ?? 0;

describe('a large fd table read by the BPF iterator of one process', { timeout: 90_000 }, () => {
  it('has a table larger than LARGE_FD_TABLE (the fixture is what the tests below need)', () => {
    expect(fdSize(fixture.pid)).toBeGreaterThan(LARGE_FD_TABLE);
    expect(fdSize(process.pid)).toBeLessThanOrEqual(LARGE_FD_TABLE);
  });

  it('bpfOwners(ownersObject, wanted, pid) gives that process its records of the full pass, and nothing of others', async (context) => {
    const bpf = await addonWithBpf(context);
    const all = await bpf.bpfOwners(ownersObject);
    const one = await bpf.bpfOwners(ownersObject, undefined, fixture.pid);
    expect(triplesOf(one)).toEqual(triplesOf(all, [fixture.pid]));
    // The listener and the pairs, and the stdio that Node gave it (unix sockets).
    expect(triplesOf(one).length).toBeGreaterThanOrEqual(1 + 2 * 2600);
    const wanted = await bpf.bpfOwners(ownersObject, Uint32Array.from([fixture.info.listener]), fixture.info.child);
    expect(triplesOf(wanted)).toEqual(
      triplesOf(all, [fixture.info.child]).filter((t) => t.startsWith(`${String(fixture.info.listener)}/`)),
    );
    expect(triplesOf(wanted).length).toBe(1);
  });

  it('gives no records for a process that is gone, and refuses a pid that is not one', async (context) => {
    const bpf = await addonWithBpf(context);
    let gone = 4_000_000;
    while (existsSync(`/proc/${String(gone)}`)) gone++;
    expect(await bpf.bpfOwners(ownersObject, undefined, gone)).toHaveLength(0);
    for (const bad of [0, -1, 1.5, 2 ** 32, 1.5e10, Number.NaN]) {
      expect(() => bpf.bpfOwners(ownersObject, undefined, bad)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
    expect(() => bpf.bpfOwners(ownersObject, undefined, '1' as unknown as number)).toThrow(/pid must be a number/);
  });

  it("lets walkUntilFound read only the large tables with it, and find the /proc walk's holders", async (context) => {
    const bpf = await addonWithBpf(context);
    const pids = [process.pid, fixture.pid, fixture.info.child];
    const wanted = new Set([fixture.info.listener, fixture.info.pair[0]]);
    const handed: number[] = [];
    const large = (pid: number, inodes: ReadonlySet<number>) => {
      handed.push(pid);
      return walkProcessBpf(bpf, pid, inodes, ownersObject);
    };
    const withBpf = await walkUntilFound(pids, wanted, bpf, large);
    const procfs = await walkUntilFound(pids, wanted, bpf);
    expect(triplesOf(withBpf.holders)).toEqual(triplesOf(procfs.holders));
    // The listener in parent and child (its fork family), the pair's end in the parent only.
    expect(triplesOf(withBpf.holders).map((t) => t.split('/').slice(0, 2).join('/'))).toEqual(
      [
        `${String(fixture.info.listener)}/${String(fixture.pid)}`,
        `${String(fixture.info.listener)}/${String(fixture.info.child)}`,
        `${String(fixture.info.pair[0])}/${String(fixture.pid)}`,
      ].sort(),
    );
    expect(handed.sort()).toEqual([fixture.pid, fixture.info.child].sort());
  });

  it('walks /proc/PID/fd instead when the BPF read fails, with the same holders', async (context) => {
    const bpf = await addonWithBpf(context);
    const pids = [process.pid, fixture.pid, fixture.info.child];
    const wanted = new Set([fixture.info.listener]);
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error('BPF load failed: Operation not permitted'));
    };
    const walked = await walkUntilFound(pids, wanted, bpf, failing);
    expect(calls).toBe(1); // not tried again after the first failure
    expect(triplesOf(walked.holders)).toEqual(triplesOf((await walkUntilFound(pids, wanted, bpf)).holders));
    expect(triplesOf(walked.holders)).toHaveLength(2);
  });

  it("gives whoOwns the listener's two holders", async () => {
    const found = await whoOwns(`${String(fixture.info.port)}/tcp`);
    const listener = found.sockets.find((s) => s.inode === fixture.info.listener);
    expect(listener?.owners.map((o) => o.pid).sort()).toEqual([fixture.pid, fixture.info.child].sort());
  });
});
