import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DARWIN_LSOF_ARGS, darwinNetstatArgs } from '../../src/inventory/darwin/collect.js';
import { parseDarwinNetstat } from '../../src/inventory/darwin/parse-netstat.js';
import { parseDarwinNetstatUnix } from '../../src/inventory/darwin/parse-netstat-unix.js';
import type { Snapshot, Socket } from '../../src/model/index.js';
import { fixtureOutput } from '../helpers/fixture-text.js';
import { makeFakeTools, type FakeTools } from '../helpers/fake-tools.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/portscope.js', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../helpers/bsd-sockets.py', import.meta.url));
const PS_FACTS = ['-o', 'pid=', '-o', 'uid=', '-o', 'user=', '-o', 'lstart=', '-o', 'command=', '-p', '*'];
const PS_START = ['-o', 'lstart=', '-p', '*'];

interface Info {
  readonly tcp: { readonly port: number; readonly fd: number };
  readonly udp: { readonly port: number; readonly fd: number };
}

/** The fake macOS tools: recorded netstat outputs, this machine's lsof limited to `pid`, real ps. */
function darwinTools(pid: number): FakeTools {
  return makeFakeTools({
    netstat: [
      { args: darwinNetstatArgs('tcp'), fixture: ['darwin', 'netstat-tcp-tahoe.txt'] },
      { args: darwinNetstatArgs('udp'), fixture: ['darwin', 'netstat-udp-sierra.txt'] },
      { args: darwinNetstatArgs('unix'), fixture: ['darwin', 'netstat-An-unix-mojave-jc.txt'] },
    ],
    lsof: [{ args: DARWIN_LSOF_ARGS, real: true, extra: ['-a', '-p', String(pid)] }],
    ps: [
      { args: PS_FACTS, real: true },
      { args: PS_START, real: true },
    ],
  });
}

async function portscope(tools: FakeTools, args: readonly string[]) {
  const env = { ...process.env, PATH: tools.path, PORTSCOPE_PLATFORM: 'darwin' };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the CLI on macOS, through fake lsof, netstat and ps (PORTSCOPE_PLATFORM=darwin)', () => {
  let fixture: Fixture<Info>;
  let tools: FakeTools;

  beforeAll(async () => {
    fixture = await startFixture<Info>('python3', [SCRIPT]);
    tools = darwinTools(fixture.pid);
  });
  afterAll(async () => {
    await fixture.stop();
    tools.remove();
  });

  it('ls lists the recorded netstat rows with their pids and process names, and no Linux-only field', async () => {
    const { code, stdout } = await portscope(tools, ['ls', '-tuap', '--json']);
    expect(code).toBe(0);
    const snapshot = JSON.parse(stdout) as Snapshot;
    expect(snapshot.platform).toBe('darwin');
    expect(snapshot.namespaces).toEqual([]);
    const rows = parseDarwinNetstat(fixtureOutput('darwin', 'netstat-tcp-tahoe.txt'));
    for (const row of rows) {
      const s = snapshot.sockets.find((x) => x.local.port === row.local.port && x.peer.port === row.peer.port);
      expect(s).toMatchObject({ protocol: 'tcp', state: row.state, recvQ: row.recvQ, sendQ: row.sendQ });
      expect(s?.owners.map((o) => [o.pid, o.command])).toEqual([[row.pid, row.command]]);
    }
    for (const s of snapshot.sockets) {
      expect(s).not.toHaveProperty('inode');
      expect(s).not.toHaveProperty('netns');
      expect(s).not.toHaveProperty('uid');
    }
  });

  it('ls gives the owner of a socket lsof saw its fd, uid, user, start time and command line', async () => {
    const { stdout } = await portscope(tools, ['ls', '-tlp', '--json']);
    const mine = (JSON.parse(stdout) as Snapshot).sockets.find((s) => s.local.port === fixture.info.tcp.port);
    const owner = mine?.owners[0];
    expect(mine?.state).toBe('LISTEN');
    expect(owner).toMatchObject({ pid: fixture.pid, command: 'python3', fds: [fixture.info.tcp.fd], uid: 0 });
    expect(owner?.cmdline?.[0]).toContain('bsd-sockets.py');
    const started = execFileSync('ps', ['-o', 'lstart=', '-p', String(fixture.pid)], {
      encoding: 'utf8',
      env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' },
    }).trim();
    expect(Date.parse(owner?.startedAt ?? '')).toBe(Date.parse(`${started} UTC`));
  });

  it('ls -x lists the recorded unix sockets: paths, states, queues, types; owners unknown, and said so', async () => {
    const rows = parseDarwinNetstatUnix(fixtureOutput('darwin', 'netstat-An-unix-mojave-jc.txt'));
    const { code, stdout } = await portscope(tools, ['ls', '-xap', '--json']);
    expect(code).toBe(0);
    const snapshot = JSON.parse(stdout) as Snapshot;
    expect(snapshot.sockets).toHaveLength(rows.length);
    expect(snapshot.sockets.every((s) => s.protocol === 'unix' && s.family === 'unix')).toBe(true);
    const fortinet = '/Users/kbrazil/Library/Application Support/Fortinet/FortiClient/credentialstore.sock';
    expect(snapshot.sockets.find((s) => s.local.address === fortinet)).toMatchObject({
      state: 'LISTEN',
      recvQ: 0,
      sendQ: 0,
      unix: { type: 'stream', abstract: false },
      owners: [],
      ownerStatus: 'not-requested',
    });
    const clients = snapshot.sockets.filter((s) => s.peer.address === '/var/run/mDNSResponder');
    expect(clients.length).toBeGreaterThan(0);
    expect(clients.every((s) => s.state === 'ESTABLISHED' && s.local.address === '')).toBe(true);
    expect(snapshot.sockets.some((s) => s.recvQ === 1)).toBe(true);
    expect(snapshot.warnings).toContainEqual(
      expect.objectContaining({ code: 'DETAILS_UNAVAILABLE', message: expect.stringContaining('unix') as string }),
    );
    const listening = await portscope(tools, ['ls', '-xl']);
    expect(listening.code).toBe(0);
    expect(listening.stdout).toContain(fortinet);
    expect(listening.stdout).not.toMatch(/ESTAB/);
  });

  it('portscope alone lists the listeners with their owners', async () => {
    const { code, stdout } = await portscope(tools, ['--json']);
    expect(code).toBe(0);
    const sockets = (JSON.parse(stdout) as Snapshot).sockets;
    const ports = sockets.map((s: Socket) => s.local.port);
    expect(ports).toContain(fixture.info.tcp.port);
    expect(ports).toContain(fixture.info.udp.port);
  });

  it('who names the holder of a port; kill --dry-run plans to signal it and signals nothing', async () => {
    const who = await portscope(tools, ['who', String(fixture.info.tcp.port), '--json']);
    expect(who.code).toBe(0);
    expect(JSON.stringify(JSON.parse(who.stdout))).toContain(`"pid":${String(fixture.pid)}`);
    const plan = await portscope(tools, ['kill', '--dry-run', String(fixture.info.tcp.port)]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(new RegExp(`^\\s*${String(fixture.pid)}\\s+root`, 'm'));
    fixture.assertRunning();
  });

  it('kill --dry-run keeps every socket of a holder: sockets off Linux have no inode to tell them apart', async () => {
    const { tcp, udp } = fixture.info;
    // The TCP port is named twice: one socket, not two.
    const targets = [String(tcp.port), `${String(udp.port)}/udp`, `${String(tcp.port)}/tcp`];
    const plan = await portscope(tools, ['kill', '--dry-run', '--json', ...targets]);
    expect(plan.code).toBe(0);
    const report = JSON.parse(plan.stdout) as { candidates: { owner: { pid: number }; sockets: Socket[] }[] };
    expect(report.candidates.map((c) => c.owner.pid)).toEqual([fixture.pid]);
    expect(report.candidates[0]?.sockets.map((s) => [s.protocol, s.local.port])).toEqual([
      ['tcp', tcp.port],
      ['udp', udp.port],
    ]);
    fixture.assertRunning();
  });

  it('info lists the holders of a port from the macOS backend', async () => {
    const { stdout } = await portscope(tools, ['info', String(fixture.info.udp.port), '--json']);
    const holders = (JSON.parse(stdout) as { holders: Socket[] }).holders;
    expect(holders.map((s) => [s.protocol, s.owners[0]?.pid])).toEqual([['udp', fixture.pid]]);
  });

  it('kill signals the holder after reading its start time again through ps', async () => {
    const victim = await startFixture<Info>('python3', [SCRIPT]);
    const own = darwinTools(victim.pid);
    try {
      const { code, stdout } = await portscope(own, ['kill', String(victim.info.tcp.port), '--yes', '--json']);
      expect(code).toBe(0);
      const report = JSON.parse(stdout) as { results: { pid: number; outcome: string }[] };
      expect(report.results).toEqual([expect.objectContaining({ pid: victim.pid, outcome: 'terminated' })]);
      await new Promise((r) => setTimeout(r, 100));
      expect(() => {
        victim.assertRunning();
      }).toThrow();
    } finally {
      own.remove();
      await victim.stop();
    }
  });

  it('kill fails (exit 3, one line) when ps cannot read the start time, and never calls the holder gone', async () => {
    const victim = await startFixture<Info>('python3', [SCRIPT]);
    // No reply for the start-time query: the fake ps exits 64 with an error, as a broken ps would.
    const own = makeFakeTools({
      netstat: [
        { args: darwinNetstatArgs('tcp'), fixture: ['darwin', 'netstat-tcp-tahoe.txt'] },
        { args: darwinNetstatArgs('udp'), fixture: ['darwin', 'netstat-udp-sierra.txt'] },
      ],
      lsof: [{ args: DARWIN_LSOF_ARGS, real: true, extra: ['-a', '-p', String(victim.pid)] }],
      ps: [{ args: PS_FACTS, real: true }],
    });
    try {
      const { code, stdout, stderr } = await portscope(own, ['kill', String(victim.info.tcp.port), '--yes']);
      expect(code).toBe(3);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^portscope: Expected a start time from `ps -o lstart= -p \d+`, got exit 64/);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      victim.assertRunning();
    } finally {
      own.remove();
      await victim.stop();
    }
  });

  it('sockets only lsof saw (a recorded Mac lsof -F, allyring/pvw) are listed with their holders', async () => {
    const dir = mkdtempSync(join(tmpdir(), `portscope-darwin-${String(process.pid)}-`));
    const none = join(dir, 'ps-none.txt');
    writeFileSync(none, '');
    const recorded = makeFakeTools({
      netstat: [
        { args: darwinNetstatArgs('tcp'), fixture: ['darwin', 'netstat-tcp-sonoma-header.txt'] },
        { args: darwinNetstatArgs('udp'), fixture: ['darwin', 'netstat-udp-sierra.txt'] },
      ],
      lsof: [{ args: DARWIN_LSOF_ARGS, fixture: ['darwin', 'lsof-F-pvw-mac-2022.txt'] }],
      // The recorded pids are the recording Mac's: this machine's ps must not answer for them.
      ps: [
        { args: PS_FACTS, file: none },
        { args: PS_START, file: none },
      ],
    });
    try {
      const { code, stdout } = await portscope(recorded, ['ls', '-tuap', '--json']);
      expect(code).toBe(0);
      const sockets = (JSON.parse(stdout) as Snapshot).sockets;
      const setapp = sockets.filter((s) => s.owners.some((o) => o.pid === 604));
      expect(setapp.map((s) => [s.protocol, s.family, s.local.address, s.local.port, s.owners[0]?.fds])).toEqual([
        ['tcp', 'inet', '127.0.0.1', 2432, [4]],
        ['tcp', 'inet6', '::1', 2432, [5]],
        ['udp', 'inet', '192.168.0.14', 59275, [63]],
      ]);
      expect(setapp[2]).toMatchObject({ state: 'ESTABLISHED', peer: { address: '144.76.143.215', port: 8125 } });
      expect(setapp[0]?.owners[0]).toEqual({ pid: 604, command: 'SetappAgent', fds: [4] });
      // That capture has no TST= field: the TCP socket's state is unknown, so absent (not a made-up CLOSE).
      expect(setapp[0]).not.toHaveProperty('state');
      // The table prints `-` for it, and blanks for the queues lsof did not give.
      const table = await portscope(recorded, ['ls', '-tanp']);
      expect(table.stdout).toMatch(/^tcp\s+-\s+127\.0\.0\.1:2432\s/m);
      // netstat's UDP rows are listed too; their pid 505 is known to neither ps nor lsof here: `gone`.
      const udp = sockets.filter((s) => s.local.address === '192.168.11.160');
      expect(udp.map((s) => [s.local.port, s.ownerStatus, s.owners])).toEqual([
        [57110, 'gone', []],
        [50040, 'gone', []],
      ]);
      const names = new Set(sockets.flatMap((s) => s.owners.map((o) => o.command)));
      expect(names).toContain('iStat Menus Status');
    } finally {
      recorded.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('kill refuses a pid whose start time changed (a reused pid): the fake ps reports another start', async () => {
    const victim = await startFixture<Info>('python3', [SCRIPT]);
    const file = join(tools.dir, 'other-start.txt');
    writeFileSync(file, 'Thu Jan  1 00:00:00 1970\n');
    const own = makeFakeTools({
      netstat: [
        { args: darwinNetstatArgs('tcp'), fixture: ['darwin', 'netstat-tcp-tahoe.txt'] },
        { args: darwinNetstatArgs('udp'), fixture: ['darwin', 'netstat-udp-sierra.txt'] },
      ],
      lsof: [{ args: DARWIN_LSOF_ARGS, real: true, extra: ['-a', '-p', String(victim.pid)] }],
      ps: [
        { args: PS_FACTS, real: true },
        { args: PS_START, file },
      ],
    });
    try {
      const { stdout } = await portscope(own, ['kill', String(victim.info.tcp.port), '--yes', '--json']);
      const report = JSON.parse(stdout) as { candidates: unknown[]; results: unknown[] };
      // The plan reads the start time too: a process whose start differs from the listing's is not a candidate.
      expect(report.results).toEqual([]);
      victim.assertRunning();
    } finally {
      own.remove();
      await victim.stop();
    }
  });
  it('ls warns, naming the tool and its error, when netstat or lsof fails instead of listing nothing', async () => {
    const denied = 'netstat: sysctl: net.inet.tcp.pcblist_n: Operation not permitted';
    const own = makeFakeTools({
      netstat: [
        { args: darwinNetstatArgs('tcp'), fails: { status: 1, stderr: denied } },
        { args: darwinNetstatArgs('udp'), fixture: ['darwin', 'netstat-udp-sierra.txt'] },
        { args: darwinNetstatArgs('unix'), fails: { status: 1, stderr: '' } },
      ],
      lsof: [{ args: DARWIN_LSOF_ARGS, fails: { status: 1, stderr: 'lsof: no pwd entry for UID 501' } }],
      ps: [{ args: PS_FACTS, real: true }],
    });
    try {
      const { code, stdout, stderr } = await portscope(own, ['ls', '-tuxap', '--json']);
      expect(code).toBe(0);
      const snapshot = JSON.parse(stdout) as Snapshot;
      expect(snapshot.sockets.some((s) => s.protocol === 'udp')).toBe(true);
      const unreadable = snapshot.warnings.filter((w) => w.code === 'TABLE_UNREADABLE').map((w) => w.message);
      expect(unreadable).toEqual(
        expect.arrayContaining([
          `\`netstat -anv -p tcp\` exited 1: ${denied}: tcp sockets come from lsof only`,
          '`netstat -anv -f unix` exited 1 with no output: unix sockets are not listed',
          `\`lsof ${DARWIN_LSOF_ARGS.join(' ')}\` exited 1: lsof: no pwd entry for UID 501: owners have no fds`,
        ]),
      );
      expect(stderr).toContain(denied);
    } finally {
      own.remove();
    }
  });
});
