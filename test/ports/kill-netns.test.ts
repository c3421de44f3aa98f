import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killPort } from '../../src/index.js';
import { processNow } from '../../src/ports/process-check.js';
import { cli } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { canMakeNetns } from '../helpers/system.js';

interface KillableInfo {
  port: number;
  pid: number;
}

const killable = new URL('../helpers/killable.py', import.meta.url).pathname;
const isAlive = (pid: number) => {
  const now = processNow(pid);
  return now !== undefined && now.state !== 'Z';
};

describe.skipIf(!canMakeNetns)('kill and who with a holder in another network namespace', () => {
  const name = `portscope-kill-${String(process.pid)}`;
  let inode: number;
  const fixtures: Fixture<KillableInfo>[] = [];
  const inNetns = async () => {
    const f = await startFixture<KillableInfo>('ip', ['netns', 'exec', name, 'python3', killable, 'term']);
    fixtures.push(f);
    return f;
  };
  const target = (f: Fixture<KillableInfo>) => `127.0.0.1:${String(f.info.port)}`;

  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', name]);
    execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    inode = statSync(`/run/netns/${name}`).ino;
  });
  afterAll(async () => {
    await Promise.all(fixtures.map((f) => f.stop()));
    execFileSync('ip', ['netns', 'del', name]);
  });

  it('leaves the holder alone by default, and says where it is and how to reach it (exit 1)', async () => {
    const f = await inNetns();
    const report = await killPort(target(f));
    expect(report.candidates).toEqual([]);
    expect(report.skipped.map((c) => [c.owner.pid, c.netns])).toEqual([[f.pid, [{ inode, name, own: false }]]]);
    expect(report.results).toEqual([]);
    const run = await cli(['kill', '-y', target(f)]);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toBe(
      `portscope: left alone: pid ${String(f.pid)} (python3) holds the port in network namespace ${name}, not ours; pass --netns ${name} or --all-netns to stop it\n`,
    );
    expect(isAlive(f.pid)).toBe(true);
  });

  it('shows the namespace in who, in the plan and in the question, and signals it once named', async () => {
    const f = await inNetns();
    const who = await cli(['who', target(f)]);
    expect(who.stdout.split('\n')[0]).toMatch(/\sNetns$/);
    expect(who.stdout).toMatch(new RegExp(`LISTEN\\s+${target(f).replace(/\./g, '\\.')}\\s.*\\s${name}\\n`));
    let asked = '';
    const declined = await cli(['kill', '--netns', name, target(f)], {
      confirm: (q) => {
        asked = q;
        return Promise.resolve(false);
      },
    });
    expect(declined.code).toBe(1);
    expect(asked).toBe(`Send SIGTERM to 1 process (1 in another network namespace: ${name})?`);
    expect(declined.stdout).toMatch(/^\s*PID\s+User\s+Command\s+Unit\/Container\s+Netns\s+Socket\n/);
    expect(declined.stdout).toMatch(new RegExp(`\\s${name}\\s+tcp LISTEN ${target(f).replace(/\./g, '\\.')}\\n`));
    expect(isAlive(f.pid)).toBe(true);
    const done = await cli(['kill', '-y', '--netns', name, target(f)]);
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(new RegExp(`${String(f.pid)}\\s+python3\\s+terminated`));
  });

  it('signals it with --all-netns, and refuses --all-netns with a named --netns (exit 2)', async () => {
    const f = await inNetns();
    const both = await cli(['kill', '-y', '--all-netns', '--netns', name, target(f)]);
    expect(both).toMatchObject({
      code: 2,
      stderr: `portscope: Expected --netns or --all-netns, got both (--netns ${name})\n`,
    });
    const report = await killPort(target(f), { allNetns: true });
    expect(report.results).toMatchObject([{ pid: f.pid, outcome: 'terminated' }]);
    expect(report.candidates[0]?.netns).toEqual([{ inode, name, own: false }]);
  });
});
