import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAll, startNc, startProcess } from '../helpers/nc.js';
import { builtCli, hasTool } from '../helpers/system.js';

// -U -u: unix datagram sockets both ways (issue 17 §1.4), against nc.openbsd and socat. Before,
// portscope refused -U -u (and earlier ran a stream socket: "Protocol wrong type").

const dir = mkdtempSync(join(tmpdir(), 'portscope-unixdgram-'));
afterEach(() => {
  killAll();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const waitFor = async (check: () => boolean, ms: number) => {
  for (const deadline = Date.now() + ms; !check();) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.skipIf(!builtCli)('portscope nc -U -u (unix datagram sockets)', { timeout: 30_000 }, () => {
  it.skipIf(!hasTool('nc.openbsd', 'unix datagram peer'))(
    'listens: nc.openbsd -U -u client and portscope exchange datagrams both ways',
    async () => {
      const path = join(dir, 'listen.sock');
      const server = startNc(['-U', '-u', '-l', path], 15_000);
      server.child.stdin?.end('greeting\n');
      await waitFor(() => existsSync(path), 10_000);
      const client = startProcess('nc.openbsd', ['-U', '-u', path], 15_000);
      client.child.stdin?.end('command\n');
      await server.waitForStdout('command\n', 10_000);
      await client.waitForStdout('greeting\n', 10_000);
      client.child.kill('SIGTERM');
    },
  );

  it.skipIf(!hasTool('nc.openbsd', 'unix datagram peer'))(
    'connects: to nc.openbsd -U -u -l from its own bound path, removed on exit',
    async () => {
      const path = join(dir, 'obsd.sock');
      const server = startProcess('nc.openbsd', ['-U', '-u', '-l', path], 15_000);
      server.child.stdin?.end('greeting\n');
      await waitFor(() => existsSync(path), 10_000);
      const own = join(dir, 'client.sock');
      const client = startNc(['-v', '-U', '-u', '-s', own, path], 15_000);
      client.child.stdin?.end('command\n');
      await server.waitForStdout('command\n', 10_000);
      await client.waitForStdout('greeting\n', 10_000);
      expect(await client.exited()).toBe(0); // UDP's rule: it lingers 2 s after its input, then exits
      expect(existsSync(own)).toBe(false);
    },
  );

  it.skipIf(!hasTool('socat', 'unix datagram peer'))('listens: a socat UNIX-SENDTO client is heard', async () => {
    const path = join(dir, 'socat.sock');
    const server = startNc(['-U', '-u', '-l', path], 15_000, 'ignore');
    await waitFor(() => existsSync(path), 10_000);
    const client = startProcess('socat', ['-t', '1', '-', `UNIX-SENDTO:${path},bind=${path}.c`], 10_000);
    client.child.stdin?.end('command\n');
    await server.waitForStdout('command\n', 10_000);
    expect(await client.exited()).toBe(0);
  });

  // ncat and nc.openbsd leave their socket file when killed (the next listener on that path then
  // fails with EADDRINUSE); portscope removes its own at its end, a signal included.
  it.for([
    ['stream', 'SIGTERM', []],
    ['datagram', 'SIGTERM', ['-u']],
    ['stream', 'SIGINT', []],
  ] as const)('nc -U -l (%s) removes its socket file at %s', async ([kind, signal, args]) => {
    const path = join(dir, `signal-${kind}-${signal}.sock`);
    const server = startNc(['-U', ...args, '-l', path], 15_000, 'ignore');
    await waitFor(() => existsSync(path), 10_000);
    server.child.kill(signal);
    expect(await server.exited()).toBe(signal);
    expect(existsSync(path)).toBe(false);
  });
});
