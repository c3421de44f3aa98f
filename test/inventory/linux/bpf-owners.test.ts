import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listSockets } from '../../../src/inventory/index.js';
import { capsAllowBpf, walkOwnersBpf } from '../../../src/inventory/linux/bpf-owners.js';
import { startFdWalk } from '../../../src/inventory/linux/fd-walk-parallel.js';
import { nativeAddon } from '../../../src/inventory/linux/native.js';
import { EARLY_STOP, walkOwners } from '../../../src/inventory/linux/owner-walk.js';
import type { Socket } from '../../../src/model/index.js';
import { whoOwns } from '../../../src/ports/index.js';
import { addonWithBpf, ownersObject, triplesOf } from '../../helpers/bpf-owners.js';
import { startFixture, type Fixture } from '../../helpers/fixture.js';
import { watchFixture } from '../../helpers/watch-fixture.js';

interface Family {
  pid: number;
  port: number;
  listener: number;
  udp: number;
  udpPort: number;
  pair: [number, number];
  threadSocket: number;
  child: { pid: number; inode: number };
  netnsChild: { pid: number; inode?: number; netns?: number; error?: string };
}

let fixture: Fixture<Family>;
beforeAll(async () => {
  fixture = await startFixture<Family>('python3', [new URL('../../helpers/owner-family.py', import.meta.url).pathname]);
});
watchFixture(() => fixture);
afterEach(() => {
  delete process.env['PORTSCOPE_BPF'];
});

const addon = nativeAddon() ?? null;

const udpFilter = () => `sport = :${String(fixture.info.udpPort)}`;
const familyPids = () => [fixture.pid, fixture.info.child.pid, fixture.info.netnsChild.pid];

const ownersOf = (sockets: readonly Socket[], inode: number) =>
  sockets.find((s) => s.inode === inode)?.owners.map((o) => `${String(o.pid)}:${(o.fds ?? []).join(',')}`);

// Generous: listings on a host that other tests load with a million sockets take seconds.
describe('owners from the BPF task_file iterator', { timeout: 90_000 }, () => {
  it('lists exactly the socket fds the /proc/PID/fd walk lists: forked co-owners, 40 threads, another netns', async (context) => {
    const bpfAddon = await addonWithBpf(context);
    expect(fixture.info.netnsChild.error).toBeUndefined();
    const bpf = await walkOwnersBpf(bpfAddon, null, ownersObject);
    const procfs = await startFdWalk(familyPids(), 0, null, addon);
    const expected = triplesOf(procfs.holders, familyPids());
    expect(triplesOf(bpf.holders, familyPids())).toEqual(expected);
    // The walk saw what the fixture holds: the shared listener in parent and child, the socket a thread
    // opened (once, not once per thread), and the listener in the other namespace.
    const inodes = expected.map((t) => Number(t.split('/')[0]));
    expect(inodes.filter((i) => i === fixture.info.listener)).toHaveLength(3);
    expect(inodes.filter((i) => i === fixture.info.threadSocket)).toHaveLength(3);
    expect(inodes).toContain(fixture.info.netnsChild.inode);
    expect(bpf.denied).toEqual([]);
  });

  it('keeps only the wanted inodes', async (context) => {
    const bpfAddon = await addonWithBpf(context);
    const bpf = await walkOwnersBpf(bpfAddon, new Set([fixture.info.listener, fixture.info.child.inode]), ownersObject);
    expect(triplesOf(bpf.holders, familyPids()).map((t) => t.split('/').slice(0, 2).join('/'))).toEqual(
      [
        `${String(fixture.info.child.inode)}/${String(fixture.info.child.pid)}`,
        ...familyPids().map((pid) => `${String(fixture.info.listener)}/${String(pid)}`),
      ].sort(),
    );
    expect(triplesOf(bpf.holders, [])).toEqual([]);
    expect(bpf.holders.length).toBe(4 * 3);
  });

  it('gives listSockets the same owners as the fd walk, and says which source it used', async (context) => {
    await addonWithBpf(context);
    // UDP and one port: the host may hold another test's million TCP sockets.
    const list = () => listSockets({ protocols: ['udp'], filter: udpFilter() });
    const withBpf = await list();
    process.env['PORTSCOPE_BPF'] = '0';
    const without = await list();
    expect(withBpf.ownerSource).toEqual({ source: 'bpf' });
    expect(without.ownerSource).toEqual({ source: 'procfs', reason: 'PORTSCOPE_BPF=0' });
    expect(ownersOf(withBpf.sockets, fixture.info.udp)).toEqual(ownersOf(without.sockets, fixture.info.udp));
    expect(ownersOf(withBpf.sockets, fixture.info.udp)?.length).toBe(3);
  });

  it('leaves whoOwns its early-stopping walk, which finds the holders the BPF pass finds', async (context) => {
    const bpfAddon = await addonWithBpf(context);
    const wanted = new Set([fixture.info.udp]);
    const { walk, source } = await walkOwners(familyPids(), 0, wanted, addon, true);
    expect(source).toEqual({ source: 'procfs', reason: EARLY_STOP });
    const bpf = await walkOwnersBpf(bpfAddon, wanted, ownersObject);
    expect(triplesOf(walk.holders, familyPids())).toEqual(triplesOf(bpf.holders, familyPids()));
    const port = `${String(fixture.info.udpPort)}/udp`;
    const ours = (await whoOwns(port)).sockets.find((s) => s.inode === fixture.info.udp);
    expect(ours?.owners.map((o) => o.pid).sort()).toEqual(familyPids().sort());
  });
});

describe('the fallback to the /proc/PID/fd walk', { timeout: 90_000 }, () => {
  it('is taken with PORTSCOPE_BPF=0, and reported', async () => {
    process.env['PORTSCOPE_BPF'] = '0';
    const snapshot = await listSockets({ protocols: ['udp'], filter: udpFilter() });
    expect(snapshot.ownerSource).toEqual({ source: 'procfs', reason: 'PORTSCOPE_BPF=0' });
    expect(ownersOf(snapshot.sockets, fixture.info.udp)?.length).toBe(3);
  });

  it('is taken when the object cannot load, with the load error as the reason', async (context) => {
    const broken = Buffer.from(ownersObject);
    broken.fill(0, 64, broken.length - 64);
    const { walk, source } = await walkOwners(familyPids(), 0, null, addon, false, broken);
    expect(source.source).toBe('procfs');
    const procfs = await startFdWalk(familyPids(), 0, null, addon);
    expect(triplesOf(walk.holders, familyPids())).toEqual(triplesOf(procfs.holders, familyPids()));
    await addonWithBpf(context);
    expect(source.reason).toMatch(/^BPF (open|load) failed: /);
  });

  it('refuses a PORTSCOPE_BPF that is neither 0 nor 1', () => {
    process.env['PORTSCOPE_BPF'] = 'yes';
    expect(() => walkOwners(familyPids(), 0, null, addon, false)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: 'Expected PORTSCOPE_BPF to be 0 or 1, got `yes`' }),
    );
  });

  it.each([
    ['root', '000001ffffffffff', true],
    ['CAP_SYS_ADMIN only', '0000000000200000', true],
    ['CAP_BPF and CAP_PERFMON', '000000c000000000', true],
    ['CAP_BPF alone', '0000008000000000', false],
    ['no capabilities', '0000000000000000', false],
  ])('reads CapEff: %s', (_, hex, allowed) => {
    expect(capsAllowBpf(`Name:\tnode\nCapEff:\t${hex}\nCapBnd:\t000001ffffffffff\n`)).toBe(allowed);
  });
});
