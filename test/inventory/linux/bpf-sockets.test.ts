import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { listSockets } from '../../../src/inventory/index.js';
import {
  onePassUnavailable,
  parseOnePass,
  readOnePass,
  type OnePassWish,
} from '../../../src/inventory/linux/bpf-sockets.js';
import { readByDiag, type TableSpec } from '../../../src/inventory/linux/diag-tables.js';
import { tcpStateMask } from '../../../src/inventory/linux/diag-request.js';
import { nativeAddon } from '../../../src/inventory/linux/native.js';
import type { NamespaceGroup } from '../../../src/inventory/linux/netns.js';
import type { TableQuery } from '../../../src/inventory/linux/tables.js';
import { TCP_STATES, type Socket } from '../../../src/model/index.js';
import { whoOwns } from '../../../src/ports/index.js';
import { cli } from '../../helpers/cli.js';
import { startFixture, type Fixture } from '../../helpers/fixture.js';
import { canMakeNetnsFor } from '../../helpers/system.js';

interface Held {
  pid: number;
  ports: number[];
}

const addon = nativeAddon() ?? null;
const COUNT = 3;
const names = Array.from({ length: COUNT }, (_, i) => `psonepass-${String(process.pid)}-${String(i)}`);
const fixtures: Fixture<Held>[] = [];
const inodes: number[] = [];

const TABLES: TableSpec[] = [
  { file: 'tcp', protocol: 'tcp', family: 'inet' },
  { file: 'tcp6', protocol: 'tcp', family: 'inet6' },
  { file: 'udp', protocol: 'udp', family: 'inet' },
  { file: 'udp6', protocol: 'udp', family: 'inet6' },
];
const query: TableQuery = {
  protocols: new Set(['tcp', 'udp']),
  families: new Set(['inet', 'inet6']),
  tcpListenersOnly: false,
  tcpStateMask: tcpStateMask(TCP_STATES),
};
const wish: OnePassWish = { namespaces: COUNT, query, details: false };
const object = readFileSync(new URL('../../../native/bpf/sockets.bpf.o', import.meta.url));

const DETAILS = new Set(['timer', 'cookie', 'mark', 'cgroupId']);
/** A socket without the fields only sock_diag gives, as one comparable line. */
function plain(s: Socket): string {
  const kept = Object.entries(s).filter(([key]) => !DETAILS.has(key));
  return JSON.stringify(Object.fromEntries(kept.sort(([a], [b]) => a.localeCompare(b))));
}
const plainSorted = (sockets: readonly Socket[]) => sockets.map(plain).sort();
const ours = (sockets: readonly Socket[]) => sockets.filter((s) => inodes.includes(s.netns ?? 0));

function skipWithoutBpf(context: TestContext): void {
  const why = onePassUnavailable(addon, wish);
  if (why !== undefined) context.skip(`the one pass cannot run here: ${why}`);
}

afterEach(() => {
  delete process.env['PORTSCOPE_BPF'];
});

describe.skipIf(!canMakeNetnsFor('one-pass tests'))('every namespace in one BPF pass', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    for (const name of names) {
      execFileSync('ip', ['netns', 'add', name]);
      execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
      inodes.push(statSync(`/run/netns/${name}`).ino);
      const script = new URL('../../helpers/onepass-sockets.py', import.meta.url).pathname;
      fixtures.push(await startFixture<Held>('ip', ['netns', 'exec', name, 'python3', script]));
    }
  });
  afterAll(async () => {
    await Promise.all(fixtures.map((f) => f.stop()));
    for (const name of names) execFileSync('ip', ['netns', 'del', name]);
  });

  it('gives, field by field, the sockets that each namespace’s sock_diag dump gives', async (context) => {
    skipWithoutBpf(context);
    if (addon === null) throw new Error('no native addon');
    const onePass = await readOnePass(addon, wish, new Set(inodes), 1000);
    expect(onePass.source).toEqual({ source: 'bpf' });
    fixtures.forEach((fixture, i) => {
      const netns = inodes[i] ?? 0;
      const group: NamespaceGroup = {
        netns,
        isHost: false,
        pids: [fixture.pid],
        nsPath: `/run/netns/${names[i] ?? ''}`,
        tableDir: `/proc/${String(fixture.pid)}/net`,
      };
      const diag = readByDiag(addon, group, TABLES, query);
      expect(diag.missing).toEqual([]);
      const bpf = onePass.sockets?.get(netns) ?? [];
      // Every state the fixture made is there: the comparison below is not of two empty lists.
      const states = new Set(bpf.map((s) => `${s.protocol}${s.family === 'inet6' ? '6' : ''} ${s.state}`));
      for (const state of ['tcp ESTABLISHED', 'tcp LISTEN', 'tcp TIME_WAIT', 'tcp6 ESTABLISHED', 'tcp6 LISTEN']) {
        expect(states).toContain(state);
      }
      for (const state of ['udp UNCONN', 'udp6 ESTABLISHED', 'udp6 UNCONN']) expect(states).toContain(state);
      expect(bpf.some((s) => s.ifindex === 1 && s.state === 'LISTEN')).toBe(true);
      expect(bpf.some((s) => s.v6only === true) && bpf.some((s) => s.v6only === false)).toBe(true);
      expect(bpf.some((s) => s.protocol === 'udp' && (s.recvQ ?? 0) > 0)).toBe(true);
      expect(bpf.some((s) => s.state === 'LISTEN' && s.recvQ === 1 && s.sendQ === 7)).toBe(true);
      expect(plainSorted(bpf)).toEqual(plainSorted(diag.sockets));
    });
  });

  it('is what listSockets reads for several namespaces without details, reported in socketSource', async (context) => {
    skipWithoutBpf(context);
    const options = { protocols: ['tcp', 'udp'] as const, owners: false, details: false };
    const fast = await listSockets({ ...options, protocols: [...options.protocols] });
    expect(fast.socketSource).toEqual({ source: 'bpf' });
    const mine = fast.namespaces.filter((n) => inodes.includes(n.netns));
    expect(mine.map((n) => n.sources)).toEqual(inodes.map(() => ['bpf']));
    const full = await listSockets({ protocols: ['tcp', 'udp'], owners: false });
    expect(full.socketSource?.source).toBe('per-namespace');
    expect(full.socketSource?.reason).toMatch(/only sock_diag gives/);
    expect(plainSorted(ours(fast.sockets))).toEqual(plainSorted(ours(full.sockets)));
    expect(ours(fast.sockets).length).toBeGreaterThanOrEqual(COUNT * 12);
  });

  it('gives `ls -tuan` the lines that the dumps give, in their order', async (context) => {
    skipWithoutBpf(context);
    const filter = fixtures.flatMap((f) => f.info.ports.map((port) => `sport = :${String(port)}`)).join(' or ');
    const fast = await cli(['ls', '-tuan', filter]);
    process.env['PORTSCOPE_BPF'] = '0';
    const dumps = await cli(['ls', '-tuan', filter]);
    expect(fast.code).toBe(0);
    expect(fast.stdout.split('\n').length).toBeGreaterThan(COUNT * 10);
    expect(fast.stdout).toBe(dumps.stdout);
  });

  it('narrows the walk in the kernel to one local port and protocol: only those records come back', async (context) => {
    skipWithoutBpf(context);
    if (addon?.bpfSockets === undefined) throw new Error('no native addon');
    const port = fixtures[0]?.info.ports[0] ?? 0; // a TCP listener with one accepted and one waiting connection
    const { records } = await addon.bpfSockets(object, 4096, port, 1);
    const netns = new Set(inodes);
    const narrowed = [...parseOnePass(records, netns, query).values()].flat();
    const { records: all } = await addon.bpfSockets(object, 4096);
    const expected = [...parseOnePass(all, netns, query).values()].flat();
    expect(records.byteLength).toBeLessThan(all.byteLength);
    const onPort = expected.filter((s) => s.protocol === 'tcp' && s.local.port === port);
    expect(onPort.length).toBeGreaterThanOrEqual(3);
    expect(plainSorted(narrowed)).toEqual(plainSorted(onPort));
    // Every record, of every namespace of the host, is on that port and TCP (byte 27: the protocol).
    const view = new DataView(records);
    for (let p = 0; p < records.byteLength; p += 64) {
      expect([view.getUint16(p + 28, true), view.getUint8(p + 27)]).toEqual([port, 6]);
    }
  });

  it('loads again with room for every socket when the estimate is short: no EOVERFLOW', async (context) => {
    skipWithoutBpf(context);
    if (addon?.bpfSockets === undefined) throw new Error('no native addon');
    const { records, flags } = await addon.bpfSockets(object, 1);
    expect(flags & 1).toBe(0);
    const mine = [...parseOnePass(records, new Set(inodes), query).values()].flat();
    expect(mine.length).toBeGreaterThanOrEqual(COUNT * 12);
  });

  it('loads the socket and owners programs at once, on two threads: each gives what it gives alone', async (context) => {
    skipWithoutBpf(context);
    if (addon?.bpfSockets === undefined || addon.bpfOwners === undefined) throw new Error('no native addon');
    const ownersObject = readFileSync(new URL('../../../native/bpf/owners.bpf.o', import.meta.url));
    const pids = new Set(fixtures.map((f) => f.info.pid));
    const fixtureTriples = (holders: Uint32Array) => {
      const triples: string[] = []; // (inode, pid, fd)
      for (let i = 0; i + 3 <= holders.length; i += 3) {
        if (pids.has(holders[i + 1] ?? 0)) triples.push(holders.slice(i, i + 3).join('/'));
      }
      return triples.sort();
    };
    const netns = new Set(inodes);
    const socketsOf = (records: ArrayBuffer) => plainSorted([...parseOnePass(records, netns, query).values()].flat());
    // This file's first owners load: the two loads (and their heap set-up, native/bpf-heap.c) overlap.
    const [both, owners] = await Promise.all([addon.bpfSockets(object, 4096), addon.bpfOwners(ownersObject)]);
    const alone = await addon.bpfSockets(object, 4096);
    expect(socketsOf(both.records)).toEqual(socketsOf(alone.records));
    expect(socketsOf(both.records).length).toBeGreaterThanOrEqual(COUNT * 12);
    const ownersAlone = fixtureTriples(await addon.bpfOwners(ownersObject));
    expect(fixtureTriples(owners)).toEqual(ownersAlone);
    expect(ownersAlone.length).toBeGreaterThanOrEqual(COUNT * 3);
  });

  it('gives `who PORT` the owner in another namespace, through the one pass and through the dumps', async (context) => {
    skipWithoutBpf(context);
    const fixture = fixtures[1];
    const port = fixture?.info.ports[0] ?? 0;
    const listenerOf = (result: Awaited<ReturnType<typeof whoOwns>>) =>
      result.sockets.find((s) => s.state === 'LISTEN' && s.netns === inodes[1]);
    const fast = await whoOwns(`${String(port)}/tcp`, { details: false });
    expect(fast.socketSource).toEqual({ source: 'bpf' });
    expect(fast.sockets.every((s) => s.local.port === port && s.protocol === 'tcp')).toBe(true);
    expect(listenerOf(fast)?.owners.map((o) => o.pid)).toEqual([fixture?.info.pid]);
    process.env['PORTSCOPE_BPF'] = '0';
    const dumps = await whoOwns(`${String(port)}/tcp`, { details: false });
    expect(dumps.socketSource).toEqual({ source: 'per-namespace', reason: 'PORTSCOPE_BPF=0' });
    expect(listenerOf(dumps)?.owners.map((o) => o.pid)).toEqual([fixture?.info.pid]);
    expect(plainSorted(ours(fast.sockets))).toEqual(plainSorted(ours(dumps.sockets)));
  });

  it('falls back to one sock_diag dump per namespace with PORTSCOPE_BPF=0, and says so', async () => {
    process.env['PORTSCOPE_BPF'] = '0';
    const snapshot = await listSockets({ protocols: ['tcp', 'udp'], owners: false, details: false });
    expect(snapshot.socketSource).toEqual({ source: 'per-namespace', reason: 'PORTSCOPE_BPF=0' });
    const mine = snapshot.namespaces.filter((n) => inodes.includes(n.netns));
    expect(mine.map((n) => n.sources)).toEqual(inodes.map(() => (addon === null ? ['procfs'] : ['sock_diag'])));
    expect(ours(snapshot.sockets).length).toBeGreaterThanOrEqual(COUNT * 12);
  });

  it('refuses PORTSCOPE_BPF=2 in one line, exit 2, before any read starts', async () => {
    process.env['PORTSCOPE_BPF'] = '2';
    const result = await cli(['ls', '-tanp']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('portscope: Expected PORTSCOPE_BPF to be 0 or 1, got `2`\n');
  });

  it('reads one namespace with its own dump: no one pass for --netns NAME', async () => {
    const snapshot = await listSockets({ protocols: ['tcp'], owners: false, details: false, netns: names[0] ?? '' });
    expect(snapshot.socketSource).toBeUndefined();
    expect(snapshot.namespaces.map((n) => n.sources)).toEqual([addon === null ? ['procfs'] : ['sock_diag']]);
  });
});
