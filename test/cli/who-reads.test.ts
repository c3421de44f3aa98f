import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasTool } from '../helpers/system.js';

// What `who PORT` reads to find the owner, seen from its system calls (strace): one /proc/PID/status per
// process (the walk's order and its climb through parents), and /proc/PID/stat of the owners only (their
// start time), not of every process.

const bin = fileURLToPath(new URL('../../bin/portscope.js', import.meta.url));
const bundled = existsSync(new URL('../../dist/bundle/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'portscope-who-reads-'));
const server = net.createServer();
let port = 0;
beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `who PORT/tcp` under strace (`options`: strace's, before the command); resolves with its stdout. */
function traceWho(trace: string, options: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    execFile(
      'strace',
      ['-f', '-qq', ...options, '-o', trace, process.execPath, bin, 'who', `${String(port)}/tcp`],
      { timeout: 30_000, env },
      (error, out) => {
        if (error === null) resolve(out);
        else reject(new Error(`strace portscope who: ${error.message}`));
      },
    );
  });
}

describe.skipIf(!bundled || !hasTool('strace', 'who reads (strace)'))('who: what the owner search reads', () => {
  it('reads each process status once and the stat of the owner only', async () => {
    const trace = join(dir, 'trace');
    const stdout = await traceWho(trace, ['-e', 'trace=openat']);
    expect(stdout).toContain(` ${String(process.pid)} `);
    const opened = readFileSync(trace, 'utf8')
      .split('\n')
      .flatMap((l) => /openat\(.*"\/proc\/(\d+)\/(stat|status)"/.exec(l) ?? [])
      .filter((_, i) => i % 3 !== 0);
    const pids = (file: string) => opened.filter((_, i) => i % 2 === 0 && opened[i + 1] === file);
    const processes = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
    expect(pids('stat')).toEqual([String(process.pid)]);
    // The owner's status is read again for its facts (uid, command).
    const statuses = pids('status').filter((pid) => pid !== String(process.pid));
    expect(new Set(statuses).size).toBe(statuses.length);
    expect(statuses.length).toBeGreaterThan(processes / 2);
  });

  // The walk that stops once every socket has a holder walks that holder's fd table to its end, so the
  // holders need no second walk: on a port with thousands of sockets in one process, that was half the time.
  it.each(['native', 'procfs'])('reads each fd of the owner once (backend %s)', async (backend) => {
    const trace = join(dir, `readlink-${backend}`);
    const env = { ...process.env, PORTSCOPE_BACKEND: backend };
    const stdout = await traceWho(trace, ['-y', '-e', 'trace=readlink,readlinkat'], env);
    expect(stdout).toContain(` ${String(process.pid)} `);
    // C: readlinkat(DIRFD</proc/PID/fd>, "FD", ...); JavaScript: readlink("/proc/PID/fd/FD", ...).
    const link = /readlink(?:at\(\d+<\/proc\/(\d+)\/fd>, "(\d+)"|\("\/proc\/(\d+)\/fd\/(\d+)")/;
    const fds = readFileSync(trace, 'utf8')
      .split('\n')
      .flatMap((l) => {
        const m = link.exec(l);
        return m !== null && (m[1] ?? m[3]) === String(process.pid) ? [m[2] ?? m[4] ?? ''] : [];
      });
    expect(fds.length).toBeGreaterThan(3);
    expect(fds.length).toBe(new Set(fds).size);
  });
});
