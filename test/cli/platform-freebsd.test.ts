import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FREEBSD_SOCKSTAT_ARGS } from '../../src/inventory/freebsd/collect.js';
import { parseSockstat } from '../../src/inventory/freebsd/parse-sockstat.js';
import { parseSockstatUnix } from '../../src/inventory/freebsd/parse-sockstat-unix.js';
import type { Snapshot, Socket } from '../../src/model/index.js';
import { fixtureOutput } from '../helpers/fixture-text.js';
import { makeFakeTools, type FakeTools } from '../helpers/fake-tools.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/portscope.js', import.meta.url));
const PS_FACTS = ['-o', 'pid=', '-o', 'uid=', '-o', 'user=', '-o', 'lstart=', '-o', 'command=', '-p', '*'];
const PS_START = ['-o', 'lstart=', '-p', '*'];
const NEW = 'sockstat-46sw-freebsd14-mql.txt';
const OLD = 'sockstat-46sw-freebsd13-mql.txt';
const UNIX = 'sockstat-s-smoketests-2017.txt';

/**
 * Fake sockstat replaying a recorded output for `args`, and a fake ps that knows none of its pids: they
 * belong to the recording's machine, and this machine's processes of the same pids are not them.
 */
function freebsdTools(args: readonly string[], fixture: string, empty: string): FakeTools {
  return makeFakeTools({
    sockstat: [{ args, fixture: ['freebsd', fixture] }],
    ps: [
      { args: PS_FACTS, file: empty },
      { args: PS_START, file: empty },
    ],
  });
}

async function portscope(tools: FakeTools, args: readonly string[]) {
  const env = { ...process.env, PATH: tools.path, PORTSCOPE_PLATFORM: 'freebsd' };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the CLI on FreeBSD, through a fake sockstat and ps (PORTSCOPE_PLATFORM=freebsd)', () => {
  let tools: FakeTools;
  let dir: string;
  let empty: string;
  const rows = parseSockstat(fixtureOutput('freebsd', NEW));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `portscope-freebsd-${String(process.pid)}-`));
    empty = join(dir, 'ps-none.txt');
    writeFileSync(empty, '');
    tools = freebsdTools(FREEBSD_SOCKSTAT_ARGS[0] ?? [], NEW, empty);
  });
  afterAll(() => {
    tools.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ls lists every recorded row with its state, pid, fd, user and command, and no Linux-only field', async () => {
    const { code, stdout } = await portscope(tools, ['ls', '-tuap', '--json']);
    expect(code).toBe(0);
    const snapshot = JSON.parse(stdout) as Snapshot;
    expect(snapshot.platform).toBe('freebsd');
    for (const row of rows) {
      const s = snapshot.sockets.find(
        (x) =>
          x.protocol === row.protocol &&
          x.family === row.family &&
          x.local.address === row.local.address &&
          x.local.port === row.local.port &&
          x.peer.port === row.peer.port,
      );
      expect(s?.state).toBe(row.state);
      if (row.pid !== undefined) {
        expect(s?.owners).toContainEqual(
          expect.objectContaining({ pid: row.pid, command: row.command, user: row.user, fds: [row.fd] }),
        );
      } else expect(s?.owners).toEqual([]);
    }
    for (const s of snapshot.sockets) {
      expect(s).not.toHaveProperty('inode');
      expect(s).not.toHaveProperty('netns');
      expect(s).not.toHaveProperty('recvQ');
    }
  });

  it('portscope alone lists the listeners; a tcp46 one is an IPv6 socket with v6only false', async () => {
    const { code, stdout } = await portscope(tools, ['--json']);
    expect(code).toBe(0);
    const sockets = (JSON.parse(stdout) as Snapshot).sockets;
    const listeners = rows.filter((r) => r.state === 'LISTEN' || r.state === 'UNCONN');
    expect(new Set(sockets.map((s) => s.local.port))).toEqual(new Set(listeners.map((r) => r.local.port)));
    const dual = rows.find((r) => r.dualStack);
    expect(sockets.find((s) => s.local.port === dual?.local.port)).toMatchObject({ family: 'inet6', v6only: false });
  });

  it('who PORT --json names every holder of a forked listener (nginx master and worker on 80)', async () => {
    const held = rows.filter((r) => r.protocol === 'tcp' && r.local.port === 80);
    expect(held.length).toBeGreaterThan(1);
    const { code, stdout } = await portscope(tools, ['who', '80', '--json']);
    expect(code).toBe(0);
    const sockets = (JSON.parse(stdout) as { sockets: Socket[] }).sockets;
    const pids = sockets.flatMap((s) => s.owners.map((o) => o.pid));
    expect(new Set(pids)).toEqual(new Set(held.map((r) => r.pid)));
  });

  it('kill --dry-run finds the holder but, ps not knowing its start time, plans no signal', async () => {
    const row = rows.find((r) => r.local.port === 3306);
    const { code, stderr } = await portscope(tools, ['kill', '--dry-run', '3306']);
    expect(code).toBe(1);
    expect(stderr).toContain(`pid ${String(row?.pid)} (${String(row?.command)})`);
    expect(stderr).toContain('start time cannot be read');
  });

  it('info PORT lists the UDP holders from the FreeBSD backend', async () => {
    const held = rows.filter((r) => r.protocol === 'udp' && r.local.port === 123);
    const { code, stdout } = await portscope(tools, ['info', '123', '--json']);
    expect(code).toBe(0);
    const holders = (JSON.parse(stdout) as { holders: Socket[] }).holders;
    expect(holders.filter((s) => s.protocol === 'udp')).toHaveLength(held.length);
    expect(new Set(holders.map((s) => s.owners[0]?.pid))).toEqual(new Set(held.map((r) => r.pid)));
  });

  it('ls -x lists the unix sockets: one per bound path with all its holders, one per unbound client', async () => {
    const mixed = freebsdTools(FREEBSD_SOCKSTAT_ARGS[0] ?? [], UNIX, empty);
    try {
      const { code, stdout } = await portscope(mixed, ['ls', '-xap', '--json']);
      expect(code).toBe(0);
      const sockets = (JSON.parse(stdout) as Snapshot).sockets;
      const rows = parseSockstatUnix(fixtureOutput('freebsd', UNIX));
      expect(sockets.every((s) => s.protocol === 'unix' && s.family === 'unix')).toBe(true);
      // sockstat -s of that machine: 16 unix rows, all of different fds, bound to 9 distinct paths.
      expect(rows).toHaveLength(16);
      expect(sockets).toHaveLength(rows.filter((r) => r.path === '').length + 9);
      const bound = (path: string) => sockets.find((s) => s.local.address === path);
      expect(bound('/var/run/devd.pipe')).toMatchObject({
        state: 'LISTEN',
        unix: { type: 'stream' },
        owners: [expect.objectContaining({ pid: 405, command: 'devd', fds: [4], user: 'root' })],
      });
      expect(bound('/var/run/log')).toMatchObject({ state: 'UNCONN', unix: { type: 'dgram' } });
      expect(bound('/var/run/devd.seqpacket.pipe')?.unix?.type).toBe('seqpacket');
      const clients = sockets.filter((s) => s.local.address === '' && s.owners[0]?.pid === 2872);
      expect(clients.map((s) => [s.state, s.peer.address, s.owners[0]?.fds])).toEqual([
        ['ESTABLISHED', '', [4]],
        ['ESTABLISHED', '/var/run/log', [5]],
      ]);
      for (const s of sockets) expect(s).not.toHaveProperty('inode');
    } finally {
      mixed.remove();
    }
  });

  it('a release whose sockstat refuses -w/-n is read with the older arguments', async () => {
    const old = freebsdTools(FREEBSD_SOCKSTAT_ARGS[1] ?? [], OLD, empty);
    try {
      const { code, stdout } = await portscope(old, ['ls', '-ta', '--json']);
      expect(code).toBe(0);
      const expected = parseSockstat(fixtureOutput('freebsd', OLD)).filter((r) => r.protocol === 'tcp');
      const sockets = (JSON.parse(stdout) as Snapshot).sockets;
      // One socket per set of ends: forked holders (nginx's master and worker, sshd's privsep pair) share it.
      const key = (family: string, port: number, peer: number, state: string | undefined) =>
        `${family} ${String(port)} ${String(peer)} ${state}`;
      const owned = new Set(
        expected.filter((r) => r.pid !== undefined).map((r) => key(r.family, r.local.port, r.peer.port, r.state)),
      );
      const unowned = expected
        .filter((r) => r.pid === undefined)
        .map((r) => key(r.family, r.local.port, r.peer.port, r.state));
      expect(sockets.map((s) => key(s.family, s.local.port, s.peer.port, s.state)).sort()).toEqual(
        [...owned, ...unowned].sort(),
      );
    } finally {
      old.remove();
    }
  });
  it("ls warns with sockstat's own error when every argument list fails, instead of listing nothing silently", async () => {
    const jailed = 'sockstat: sysctl(): Operation not permitted';
    const denied = makeFakeTools({
      sockstat: FREEBSD_SOCKSTAT_ARGS.map((args) => ({ args, fails: { status: 1, stderr: jailed } })),
    });
    try {
      const { code, stdout } = await portscope(denied, ['ls', '-ta', '--json']);
      expect(code).toBe(1); // nothing listed
      const snapshot = JSON.parse(stdout) as Snapshot;
      expect(snapshot.sockets).toEqual([]);
      const message = snapshot.warnings.find((w) => w.code === 'TABLE_UNREADABLE')?.message;
      expect(message).toBe(
        `sockstat listed nothing: ${FREEBSD_SOCKSTAT_ARGS.map((a) => `\`sockstat ${a.join(' ')}\` exited 1: ${jailed}`).join('; ')}`,
      );
    } finally {
      denied.remove();
    }
  });
});
