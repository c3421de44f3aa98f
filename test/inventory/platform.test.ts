import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { isPortscopeError } from '../../src/errors.js';
import { parsePs } from '../../src/inventory/bsd/parse-ps.js';
import { currentPlatform, listSockets } from '../../src/inventory/index.js';

const saved = process.env['PORTSCOPE_PLATFORM'];

describe('currentPlatform', () => {
  afterEach(() => {
    if (saved === undefined) delete process.env['PORTSCOPE_PLATFORM'];
    else process.env['PORTSCOPE_PLATFORM'] = saved;
  });

  it('is process.platform without PORTSCOPE_PLATFORM, and the variable when set', () => {
    delete process.env['PORTSCOPE_PLATFORM'];
    expect(currentPlatform()).toBe(process.platform);
    for (const name of ['darwin', 'win32', 'freebsd', 'linux'] as const) {
      process.env['PORTSCOPE_PLATFORM'] = name;
      expect(currentPlatform()).toBe(name);
    }
  });

  it('throws UNSUPPORTED_PLATFORM for another name, naming it', async () => {
    process.env['PORTSCOPE_PLATFORM'] = 'sunos';
    expect(() => currentPlatform()).toThrow(/got `sunos`/);
    await expect(listSockets()).rejects.toSatisfy((e: unknown) => isPortscopeError(e, 'UNSUPPORTED_PLATFORM'));
  });

  it('refuses a network namespace outside Linux', async () => {
    process.env['PORTSCOPE_PLATFORM'] = 'darwin';
    await expect(listSockets({ netns: 'blue' })).rejects.toSatisfy((e: unknown) =>
      isPortscopeError(e, 'UNSUPPORTED_PLATFORM'),
    );
  });
});

describe('parsePs on real ps output', () => {
  it("reads this process's uid, user, start time and command line", () => {
    const out = execFileSync(
      'ps',
      ['-o', 'pid=', '-o', 'uid=', '-o', 'user=', '-o', 'lstart=', '-o', 'command=', '-p', String(process.pid)],
      { encoding: 'utf8', env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } },
    );
    const [me] = parsePs(out);
    expect(me).toMatchObject({ pid: process.pid, uid: process.getuid?.() });
    const argv = readFileSync('/proc/self/cmdline', 'utf8').replace(/\0$/, '').split('\0');
    expect(me?.commandLine).toBe(argv.join(' '));
    const uptimeStart = Date.now() - process.uptime() * 1000;
    expect(Math.abs(Date.parse(me?.startedAt ?? '') - uptimeStart)).toBeLessThan(3000);
  });
});
