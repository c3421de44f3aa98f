import { createServer, type Server } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { parsePortTarget, whoOwns } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { entry, startFixture, startSocketsFixture, type Fixture, type SocketsInfo } from '../helpers/fixture.js';
import { watchFixture } from '../helpers/watch-fixture.js';

let fixture: Fixture<SocketsInfo>;
const port = (name: string) => (entry(fixture.info, name).local as [string, number])[1];

beforeAll(async () => {
  fixture = await startSocketsFixture();
});
watchFixture(() => fixture);

describe('parsePortTarget', () => {
  it.each([
    ['3000', { port: 3000, protocols: ['tcp', 'udp'] }],
    ['53/udp', { port: 53, protocols: ['udp'] }],
    ['80/TCP', { port: 80, protocols: ['tcp'] }],
    ['127.0.0.1:8080', { port: 8080, protocols: ['tcp', 'udp'], host: '127.0.0.1' }],
    ['localhost:5173', { port: 5173, protocols: ['tcp', 'udp'], host: '127.0.0.1' }],
    ['[::1]:22/tcp', { port: 22, protocols: ['tcp'], host: '::1' }],
    ['[0:0:0:0:0:0:0:1]:22', { port: 22, protocols: ['tcp', 'udp'], host: '::1' }],
    ['*:443', { port: 443, protocols: ['tcp', 'udp'] }],
    [':3000', { port: 3000, protocols: ['tcp', 'udp'] }],
    ['http', { port: 80, protocols: ['tcp', 'udp'] }],
    ['domain/udp', { port: 53, protocols: ['udp'] }],
    ['127.0.0.1:ssh', { port: 22, protocols: ['tcp', 'udp'], host: '127.0.0.1' }],
    [':vite', { port: 5173, protocols: ['tcp', 'udp'] }],
  ])('%s', (text, expected) => {
    expect(parsePortTarget(text)).toEqual(expected);
  });

  it.each([
    '',
    '0',
    '65536',
    '80/sctp',
    'nosuchservice',
    '::1:22',
    'host.example:80',
    '[127.0.0.1]:80',
    '1.2.3:80',
    '-1',
  ])('rejects %j with INVALID_ARGUMENT naming it', (text) => {
    expect(() => parsePortTarget(text)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => parsePortTarget(text)).toThrow(/Expected/);
  });
});

describe('whoOwns', () => {
  it('finds every socket on the port with its owners, listeners first', async () => {
    const p = port('tcp4_listen');
    const { sockets, target } = await whoOwns(String(p));
    expect(target).toEqual({ port: p, protocols: ['tcp', 'udp'] });
    // Port 0 may hand the same number to another test's socket on another address: find ours by address.
    const listener = sockets.find((s) => s.state === 'LISTEN' && s.local.address === '127.0.0.1');
    expect(sockets[0]?.state).toBe('LISTEN');
    expect(listener).toMatchObject({ local: { port: p }, ownerStatus: 'ok' });
    // The fixture forks after opening its sockets: the child holds them too.
    expect(listener?.owners.map((o) => o.pid).sort()).toEqual([fixture.pid, fixture.info.child_pid].sort());
    // The accepted connection shares the local port; the client's end (peer port p) does not.
    expect(sockets.map((s) => s.state)).toContain('ESTABLISHED');
    expect(sockets.every((s) => s.local.port === p)).toBe(true);
    const firstOther = sockets.findIndex((s) => s.state !== 'LISTEN');
    expect(sockets.slice(firstOther).every((s) => s.state !== 'LISTEN')).toBe(true);
  });

  it.each(['native', 'procfs'] as const)(
    'stops the fd walk once found, yet finds the forked co-owner, as the full walk does (%s)',
    async (backend) => {
      for (const name of ['tcp4_shared', 'tcp4_listen', 'udp4_bound']) {
        const target = `127.0.0.1:${String(port(name))}`;
        const owners = (r: Awaited<ReturnType<typeof whoOwns>>) =>
          r.sockets.map((s) => [s.inode, s.owners.map((o) => o.pid).sort()]);
        const fast = await whoOwns(target, { backend });
        const full = await whoOwns(target, { backend, allOwners: true });
        expect(owners(fast), name).toEqual(owners(full));
        expect(fast.sockets[0]?.owners.map((o) => o.pid).sort(), name).toEqual(
          [fixture.pid, fixture.info.child_pid].sort(),
        );
      }
    },
  );

  it('gives a shared listener both owners (parent and forked child)', async () => {
    const { sockets } = await whoOwns(`127.0.0.1:${String(port('tcp4_shared'))}/tcp`);
    expect(sockets).toHaveLength(1);
    expect(sockets[0]?.owners.map((o) => o.pid).sort()).toEqual([fixture.pid, fixture.info.child_pid].sort());
  });

  it('finds a pre-fork master and all its workers when a worker is met first (smaller fd table)', async () => {
    const killable = new URL('../helpers/killable.py', import.meta.url).pathname;
    const prefork = await startFixture<{ port: number; pid: number; workers: number[] }>('python3', [
      killable,
      'prefork',
    ]);
    try {
      const all = [prefork.pid, ...prefork.info.workers].sort((a, b) => a - b);
      expect(all).toHaveLength(3);
      for (const backend of ['native', 'procfs'] as const) {
        const { sockets } = await whoOwns(`127.0.0.1:${String(prefork.info.port)}/tcp`, { backend });
        expect(sockets, backend).toHaveLength(1);
        expect(
          sockets[0]?.owners.map((o) => o.pid),
          backend,
        ).toEqual(all);
      }
    } finally {
      await prefork.stop();
    }
  });

  it('narrows by protocol and by host, counting a dual-stack :: listener for IPv4 but not a v6-only one', async () => {
    // TCP and UDP have separate port spaces, and other tests' sockets may share a number: look at ours.
    const ours = (r: Awaited<ReturnType<typeof whoOwns>>) =>
      r.sockets.filter((s) => s.owners.some((o) => o.pid === fixture.pid));
    expect(ours(await whoOwns(`${String(port('udp4_bound'))}/tcp`))).toEqual([]);
    expect(ours(await whoOwns(`${String(port('udp4_bound'))}/udp`))).toMatchObject([{ protocol: 'udp' }]);
    const dual = port('tcp6_dual_listen');
    const dualFor4 = await whoOwns(`127.0.0.1:${String(dual)}/tcp`);
    expect(dualFor4.sockets.find((s) => s.state === 'LISTEN')).toMatchObject({ local: { address: '::' } });
    const v6only = port('tcp6_listen');
    expect(ours(await whoOwns(`127.0.0.1:${String(v6only)}`))).toEqual([]);
    expect((await whoOwns(`[::1]:${String(v6only)}`)).sockets[0]).toMatchObject({ state: 'LISTEN' });
  });

  it('matches the exact port, never a port that merely contains its digits', async () => {
    const p = port('tcp4_listen');
    // Listen on a port whose digits are a prefix of p's (e.g. 4123 for 41234) when one is free.
    const candidates = [Math.floor(p / 10), Math.floor(p / 100)].filter((c) => c >= 1024);
    let server: Server | undefined;
    let short = 0;
    for (const c of candidates) {
      server = await new Promise<Server | undefined>((resolve) => {
        const s = createServer().once('error', () => {
          resolve(undefined);
        });
        s.listen(c, '127.0.0.1', () => {
          resolve(s);
        });
      });
      if (server !== undefined) {
        short = c;
        break;
      }
    }
    try {
      expect(short).toBeGreaterThan(0);
      const { sockets } = await whoOwns(`127.0.0.1:${String(short)}`);
      expect(sockets.map((s) => s.local.port)).toEqual([short]);
      expect(sockets[0]?.owners.map((o) => o.pid)).toEqual([process.pid]);
    } finally {
      server?.close();
    }
  });

  it('answers an empty list for a free port, and the procfs reader agrees', async () => {
    const p = port('tcp4_listen');
    const native = await whoOwns(String(p), { backend: 'native' });
    const procfs = await whoOwns(String(p), { backend: 'procfs' });
    const shape = (r: typeof native) => r.sockets.map((s) => [s.state, s.local.address, s.inode]);
    expect(shape(native)).toEqual(shape(procfs));
    expect(native.sockets.length).toBeGreaterThan(1);
    for (const backend of ['native', 'procfs'] as const) {
      expect((await whoOwns('1/udp', { backend })).sockets, backend).toEqual([]);
    }
  });
});

describe('portscope who', () => {
  it('prints the holders, and exits 1 with one stderr line when nothing holds the port', async () => {
    const held = await cli(['who', String(port('tcp4_listen'))]);
    expect(held.code).toBe(0);
    expect(held.stdout.split('\n')[0]).toMatch(/^Proto\s+State\s+Local Address:Port\s+Peer Address:Port\s+PID\s+User/);
    expect(held.stdout).toMatch(
      // The forked child shares the listener: its pid may come first (pids wrap around at pid_max).
      new RegExp(
        `tcp\\s+LISTEN\\s+127\\.0\\.0\\.1:${String(port('tcp4_listen'))}\\s.*[\\s,]${String(fixture.pid)}[,\\s]`,
      ),
    );
    const free = await cli(['who', '1/udp']);
    expect(free).toMatchObject({ code: 1, stdout: '', stderr: 'portscope: nothing holds 1/udp\n' });
  });

  it('prints JSON with the target, and rejects a bad target with exit 2', async () => {
    const json = await cli(['who', `127.0.0.1:${String(port('udp4_bound'))}/udp`, '--json']);
    const parsed = JSON.parse(json.stdout) as { target: unknown; sockets: unknown[] };
    expect(parsed.target).toEqual({ host: '127.0.0.1', port: port('udp4_bound'), protocols: ['udp'] });
    expect(parsed.sockets).toHaveLength(1);
    const bad = await cli(['who', '70000']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^portscope: Expected a port \(1-65535\).*got `70000`\n$/);
  });
});
