import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killPort } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { builtCli, worldReadableCli } from '../helpers/system.js';

const killable = new URL('../helpers/killable.py', import.meta.url).pathname;
const running: Fixture<{ port: number; pid: number }>[] = [];
const start = async () => {
  const f = await startFixture<{ port: number; pid: number }>('python3', [killable, 'term']);
  running.push(f);
  return f;
};
const target = (f: Fixture<{ port: number }>) => `127.0.0.1:${String(f.info.port)}`;
const line = (why: string) =>
  `portscope: Signals go by pid, not through a pidfd (${why}): the start time is read again just before each signal, but a process that exits in that instant could have its pid reused and the signal hit the new process\n`;

afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop()));
});

describe('kill without the native addon', () => {
  it("says so in one stderr line with backend 'procfs', and not with the addon", async () => {
    const f = await start();
    const plan = await killPort(target(f), { backend: 'procfs', dryRun: true });
    expect(plan.pidfd).toBe(false);
    expect(plan.warnings.map((w) => w.code)).toEqual(['NO_PIDFD']);
    const procfs = await cli(['kill', '-y', target(f)], { env: { PORTSCOPE_BACKEND: 'procfs' } });
    expect(procfs.code).toBe(0);
    expect(procfs.stderr).toBe(line("backend 'procfs'"));
    expect(procfs.stdout).toMatch(new RegExp(`${String(f.pid)}\\s+python3\\s+terminated`));
    const g = await start();
    const native = await cli(['kill', '-y', target(g)]);
    expect(native).toMatchObject({ code: 0, stderr: '' });
  });

  it.skipIf(!builtCli)('says so when the addon is not built (a copy of the CLI without it)', async () => {
    const dir = worldReadableCli({ addon: false });
    try {
      const f = await start();
      const run = spawnSync(process.execPath, [join(dir, 'bin/portscope.js'), 'kill', '-y', target(f)], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(run.status).toBe(0);
      // The CLI's notice that the addon is missing (for reading sockets), then kill's own line (for signalling).
      const [notice, ...rest] = run.stderr.split(/(?<=\n)/);
      expect(notice).toMatch(/^portscope: the native addon is not built, so sockets are read from \/proc/);
      expect(rest).toEqual([line('the native addon is not built')]);
      expect(run.stdout).toMatch(new RegExp(`${String(f.pid)}\\s+python3\\s+terminated`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
