import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { killPort, parseSignal, planKill, type KillReport } from '../../src/index.js';
import { processNow } from '../../src/ports/process-check.js';
import { cli } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { builtCli, builtCliArgv, canDropCapability, cliWithoutCapability } from '../helpers/system.js';

interface KillableInfo {
  port: number;
  pid: number;
  child_pid: number;
}

const root = new URL('../../', import.meta.url).pathname;
const killable = new URL('../helpers/killable.py', import.meta.url).pathname;
const running: Fixture<KillableInfo>[] = [];

async function start(mode: 'term' | 'ignore' | 'fork' | 'let-go'): Promise<Fixture<KillableInfo>> {
  const fixture = await startFixture<KillableInfo>('python3', [killable, mode]);
  running.push(fixture);
  return fixture;
}

/** Resolves with how the fixture ended, or 'alive' when it is still running after `ms`. */
async function endOf(fixture: Fixture<KillableInfo>, ms = 3000): Promise<string> {
  const { child } = fixture;
  if (child.exitCode !== null || child.signalCode !== null) return child.signalCode ?? `exit ${String(child.exitCode)}`;
  const timer = new Promise<string>((resolve) => setTimeout(resolve, ms, 'alive'));
  const exited = once(child, 'exit').then(([code, signal]) => (signal as string | null) ?? `exit ${String(code)}`);
  return Promise.race([exited, timer]);
}

/** Running and not a zombie (an orphan that exited may wait a while to be reaped). */
function isAlive(pid: number): boolean {
  const now = processNow(pid);
  return now !== undefined && now.state !== 'Z';
}

const target = (f: Fixture<KillableInfo>) => `127.0.0.1:${String(f.info.port)}`;

afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop()));
});

describe('killPort', () => {
  it('sends SIGTERM to the owner of the listener and reports it terminated', async () => {
    const f = await start('term');
    const report = await killPort(target(f));
    expect(report.candidates.map((c) => c.owner.pid)).toEqual([f.pid]);
    expect(report.results).toMatchObject([{ pid: f.pid, outcome: 'terminated', signals: ['SIGTERM'] }]);
    expect(await endOf(f)).toBe('SIGTERM');
  });

  it('leaves a process that ignores SIGTERM running, and kills it only with force', async () => {
    const f = await start('ignore');
    const soft = await killPort(target(f), { timeoutMs: 300 });
    expect(soft.results).toMatchObject([{ outcome: 'still-running', signals: ['SIGTERM'] }]);
    expect(isAlive(f.pid)).toBe(true);
    const hard = await killPort(target(f), { timeoutMs: 300, force: true });
    expect(hard.results).toMatchObject([{ outcome: 'killed', signals: ['SIGTERM', 'SIGKILL'] }]);
    expect(await endOf(f)).toBe('SIGKILL');
  });

  it('stops a forked child that shares the listening socket along with its parent', async () => {
    const f = await start('fork');
    const report = await killPort(target(f));
    expect(report.candidates.map((c) => c.owner.pid).sort()).toEqual([f.pid, f.info.child_pid].sort());
    expect(report.results.map((r) => r.outcome)).toEqual(['terminated', 'terminated']);
    expect(await endOf(f)).toBe('SIGTERM');
    expect(isAlive(f.info.child_pid)).toBe(false);
  });

  it('does not signal a process that let go of the socket after the plan (not-owner)', async () => {
    const f = await start('let-go');
    const { stdout } = f.child;
    if (stdout === null) throw new Error('the fixture has no stdout pipe');
    const lines = createInterface({ input: stdout });
    const report = await killPort(target(f), {
      confirm: async () => {
        process.kill(f.pid, 'SIGUSR1');
        await once(lines, 'line'); // "closed"
        return true;
      },
    });
    expect(report.results).toMatchObject([{ pid: f.pid, outcome: 'not-owner', signals: [] }]);
    expect(isAlive(f.pid)).toBe(true);
  });

  it('reports a process that exited before its signal as gone', async () => {
    const f = await start('term');
    const report = await killPort(target(f), {
      confirm: async () => {
        const exited = once(f.child, 'exit');
        f.child.kill('SIGKILL');
        await exited;
        return true;
      },
    });
    expect(report.results).toMatchObject([{ pid: f.pid, outcome: 'gone', signals: [] }]);
  });

  it('never signals itself, and sends nothing on a dry run or a refused confirmation', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const self = await killPort(`127.0.0.1:${String(port)}`);
      expect(self.results).toMatchObject([{ pid: process.pid, outcome: 'refused', signals: [] }]);
      expect(server.listening).toBe(true);
    } finally {
      server.close();
    }
    const f = await start('term');
    const dry = await killPort(target(f), { dryRun: true });
    expect(dry).toMatchObject({ confirmed: false, results: [] });
    expect(dry.candidates[0]?.owner).toMatchObject({ pid: f.pid, command: 'python3' });
    const declined = await killPort(target(f), { confirm: () => false });
    expect(declined).toMatchObject({ confirmed: false, results: [] });
    expect(await endOf(f, 200)).toBe('alive');
  });

  it('targets listeners only, unless allSockets', async () => {
    const f = await start('term');
    const client = spawn('python3', [
      '-c',
      `import socket,sys,signal; signal.alarm(30); c=socket.create_connection(("127.0.0.1",${String(f.info.port)})); print(c.getsockname()[1], flush=True); sys.stdin.read()`,
    ]);
    try {
      const [line] = (await once(createInterface({ input: client.stdout }), 'line')) as [string];
      const clientEnd = `127.0.0.1:${line}`;
      // The client's port has a connection but no listener: a target only with allSockets.
      expect((await planKill([clientEnd])).candidates).toEqual([]);
      const all = await planKill([clientEnd], { allSockets: true });
      expect(all.candidates.map((c) => c.owner.pid)).toEqual([client.pid]);
      expect(all.candidates[0]?.sockets.map((s) => s.state)).toEqual(['ESTABLISHED']);
      // The fixture's listener port: the client (peer port = that port) is never a target.
      const listeners = await planKill([target(f)], { allSockets: true });
      expect(listeners.candidates.map((c) => c.owner.pid)).toEqual([f.pid]);
    } finally {
      client.kill();
    }
  });

  it('checks signals and timeouts, naming the bad value', async () => {
    expect(parseSignal('term')).toEqual({ name: 'SIGTERM', number: 15 });
    expect(parseSignal('9')).toEqual({ name: 'SIGKILL', number: 9 });
    expect(() => parseSignal('SIGFOO')).toThrow(/^Expected a signal \(HUP, INT, .*KILL.*\), got `SIGFOO`$/);
    await expect(killPort('1', { signal: 'NOPE' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(killPort('1', { timeoutMs: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(killPort('70000')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(killPort('1', { allNetns: true, netns: 'host' })).rejects.toThrow(
      'Expected either allNetns or a netns, got both (netns `host`)',
    );
  });
});

describe('portscope kill', () => {
  it('refuses without a terminal and without --yes, shows the plan with --dry-run, kills with --yes', async () => {
    const f = await start('term');
    const refused = await cli(['kill', target(f)]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'portscope: Refusing to signal without a confirmation: no terminal to ask on; pass --yes, or --dry-run to only look\n',
    );
    expect(isAlive(f.pid)).toBe(true);
    const dry = await cli(['kill', '--dry-run', target(f)]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      new RegExp(
        `^\\s*PID\\s+User\\s+Command.*\\n\\s*${String(f.pid)}\\s+\\S+\\s+\\S*python3 \\S*killable.py term\\s+-\\s+tcp LISTEN 127\\.0\\.0\\.1:${String(f.info.port)}\\n$`,
      ),
    );
    expect(isAlive(f.pid)).toBe(true);
    const done = await cli(['kill', '--yes', '--json', target(f)]);
    expect(done.code).toBe(0);
    const report = JSON.parse(done.stdout) as KillReport;
    expect(report.results).toMatchObject([{ pid: f.pid, outcome: 'terminated' }]);
    expect(await endOf(f)).toBe('SIGTERM');
    const nothing = await cli(['kill', '--yes', target(f)]);
    expect(nothing).toMatchObject({ code: 1, stderr: `portscope: nothing holds ${target(f)}\n` });
  });

  it('asks on a terminal and stops only after a yes; exits 1 when a process outlives the timeout', async () => {
    const f = await start('ignore');
    let asked = '';
    const no = await cli(['kill', target(f)], {
      confirm: (q) => {
        asked = q;
        return Promise.resolve(false);
      },
    });
    expect(asked).toBe('Send SIGTERM to 1 process?');
    expect(no).toMatchObject({ code: 1, stderr: 'portscope: nothing was signalled\n' });
    const soft = await cli(['kill', '-t', '200ms', target(f)], { confirm: () => Promise.resolve(true) });
    expect(soft.code).toBe(1);
    expect(soft.stdout).toMatch(new RegExp(`${String(f.pid)}\\s+python3\\s+still-running\\s+SIGTERM`));
    expect(soft.stderr).toBe(
      `portscope: ${target(f)} is still held after the signals: pid ${String(f.pid)} (python3, still-running)\n`,
    );
    const hard = await cli(['kill', '-t', '200ms', '--force', '-y', target(f)]);
    expect(hard.code).toBe(0);
    expect(hard.stdout).toMatch(new RegExp(`${String(f.pid)}\\s+python3\\s+killed\\s+SIGTERM,SIGKILL`));
  });

  it.skipIf(!builtCli)('prompts on a real terminal (a pty) and kills after "y"', async () => {
    const f = await start('term');
    const { stdout } = await promisify(execFile)(
      'python3',
      [`${root}test/helpers/pty-run.py`, 'Send SIGTERM', 'y', ...builtCliArgv('kill', target(f))],
      { timeout: 20_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(stdout).toContain('Send SIGTERM to 1 process?');
    expect(stdout).toMatch(new RegExp(`${String(f.pid)}\\s+python3\\s+terminated`));
    expect(await endOf(f)).toBe('SIGTERM');
  });

  it.skipIf(!canDropCapability('kill'))(
    "reports permission-denied for another user's process when it may not signal it",
    async () => {
      // The fixture runs as nobody; the CLI runs as root without CAP_KILL: it sees the owner but may not signal it.
      const script = `const s=require('net').createServer().listen(0,'127.0.0.1',()=>console.log(JSON.stringify({port:s.address().port,pid:process.pid,child_pid:0})));process.stdin.resume();process.stdin.on('end',()=>process.exit(0));setTimeout(()=>process.exit(0),60000).unref()`;
      const f = await startFixture<KillableInfo>('setpriv', [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        '-e',
        script,
      ]);
      running.push(f);
      const result = cliWithoutCapability('kill', 'kill', '-y', '--json', target(f));
      expect(result.status).toBe(1);
      const report = JSON.parse(result.stdout) as KillReport;
      expect(report.candidates[0]?.owner).toMatchObject({ pid: f.info.pid, user: 'nobody' });
      expect(report.results).toMatchObject([{ pid: f.info.pid, outcome: 'permission-denied', signals: [] }]);
      expect(isAlive(f.info.pid)).toBe(true);
    },
  );
});
