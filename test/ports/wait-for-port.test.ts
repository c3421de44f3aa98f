import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { connectOnce, findFreePort, parseWaitTarget, waitForPort } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { builtCli, builtCliArgv } from '../helpers/system.js';

const servers: Server[] = [];

/** Listens on `host:port` (or a unix path) after `delayMs`; closed after the test. */
function listenLater(where: { host: string; port: number } | { path: string }, delayMs: number): void {
  setTimeout(() => {
    const server = createServer();
    servers.push(server);
    server.listen({ ...where, ipv6Only: true });
  }, delayMs);
}

async function listening(host: string, port = 0): Promise<Server> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen({ host, port, ipv6Only: true }, resolve));
  return server;
}

const portOf = (s: Server) => (s.address() as { port: number }).port;

/** A port nothing uses now (checked against the inventory and by a bind). */
async function freePort(): Promise<number> {
  const [port] = await findFreePort();
  if (port === undefined) throw new Error('no free port');
  return port;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('parseWaitTarget', () => {
  it.each([
    ['db:5432', { kind: 'tcp', host: 'db', port: 5432 }],
    ['LocalHost:80', { kind: 'tcp', host: 'localhost', port: 80 }],
    ['[::1]:8080', { kind: 'tcp', host: '::1', port: 8080 }],
    ['[0:0::1]:8080', { kind: 'tcp', host: '::1', port: 8080 }],
    [':3000', { kind: 'tcp', port: 3000 }],
    ['3000', { kind: 'tcp', port: 3000 }],
    ['http', { kind: 'tcp', port: 80 }],
    ['localhost:ssh', { kind: 'tcp', host: 'localhost', port: 22 }],
    [':vite', { kind: 'tcp', port: 5173 }],
    ['unix:/run/app.sock', { kind: 'unix', path: '/run/app.sock' }],
  ])('%s', (text, expected) => {
    expect(parseWaitTarget(text)).toMatchObject(expected);
  });

  it.each([
    ['db', /^Expected HOST:PORT, \[IPv6\]:PORT, :PORT, a port or service name, or unix:\/PATH, got `db`$/],
    ['db:nosuchservice', /^Expected a port 1-65535 or a service name in `db:nosuchservice`, got `nosuchservice`/],
    ['db:99999', /^Expected a port 1-65535 in `db:99999`, got `99999`$/],
    ['[nope]:80', /^Expected an IPv6 address in brackets, got `nope`$/],
    ['unix:', /got `unix:`$/],
  ])('rejects %s', (text, message) => {
    expect(() => parseWaitTarget(text)).toThrow(message);
  });
});

describe('connectOnce', () => {
  it('reads a refusal that already came before deciding a time-out, even when the loop is late', async () => {
    const port = await freePort();
    const attempt = connectOnce({ address: '127.0.0.1', port }, 1);
    // Hold the loop past the 1 ms time-out: the refusal is waiting by then, and must win.
    const until = performance.now() + 5;
    while (performance.now() < until);
    expect(await attempt).toEqual({ address: '127.0.0.1', outcome: 'refused' });
  });
});

describe('waitForPort', () => {
  it('waits until a port opens, with back-off, and says which address answered', async () => {
    const port = await freePort();
    listenLater({ host: '127.0.0.1', port }, 300);
    const [result] = await waitForPort(`127.0.0.1:${String(port)}`, { timeoutMs: 5000 });
    expect(result).toMatchObject({ target: `127.0.0.1:${String(port)}`, until: 'open', address: '127.0.0.1' });
    expect(result?.attempts).toBeGreaterThan(2);
    expect(result?.elapsedMs).toBeGreaterThanOrEqual(250);
  });

  it('finds a server on ::1 only when asked for localhost (the wait-on bug), and for :PORT', async () => {
    const port = portOf(await listening('::1'));
    const [byName] = await waitForPort(`localhost:${String(port)}`, { timeoutMs: 2000 });
    expect(byName).toMatchObject({ address: '::1', attempts: 1 });
    const [local] = await waitForPort(`:${String(port)}`, { timeoutMs: 2000 });
    expect(local).toMatchObject({ address: '::1' });
  });

  it('times out with TIMEOUT, naming the target and what each address said', async () => {
    const port = await freePort();
    const started = performance.now();
    await expect(waitForPort(`:${String(port)}`, { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringMatching(
        new RegExp(
          `^Timed out after 300 ms waiting for :${String(port)} to be open \\(\\d+ attempts; last: 127\\.0\\.0\\.1 refused, ::1 refused\\)$`,
        ),
      ) as unknown,
    });
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('stops at once on abort with ABORTED', async () => {
    const port = await freePort();
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 100);
    await expect(waitForPort(`:${String(port)}`, { timeoutMs: 0, signal: controller.signal })).rejects.toMatchObject({
      code: 'ABORTED',
    });
  });

  it('waits for closed, for listening (no connect), and for free', async () => {
    const server = await listening('127.0.0.1');
    const port = portOf(server);
    const [listen] = await waitForPort(`127.0.0.1:${String(port)}`, { until: 'listening', timeoutMs: 1000 });
    expect(listen).toMatchObject({ address: '127.0.0.1', attempts: 1 });
    // A v6-only ::1 listener does not take 127.0.0.1's traffic.
    await expect(waitForPort(`[::1]:${String(port)}`, { until: 'listening', timeoutMs: 200 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    await expect(waitForPort(`:${String(port)}`, { until: 'free', timeoutMs: 200 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    setTimeout(() => server.close(), 200);
    const [closed, free] = await waitForPort([`127.0.0.1:${String(port)}`, `:${String(port)}`], {
      until: 'closed',
      timeoutMs: 3000,
    }).then(async (c) => [c[0], (await waitForPort(`:${String(port)}`, { until: 'free', timeoutMs: 3000 }))[0]]);
    expect(closed?.attempts).toBeGreaterThan(1);
    expect(free).toMatchObject({ until: 'free' });
  });

  it('waits for a unix socket to accept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portscope-wait-'));
    try {
      const path = join(dir, 'app.sock');
      listenLater({ path }, 200);
      const [open] = await waitForPort(`unix:${path}`, { timeoutMs: 3000 });
      expect(open).toMatchObject({ target: `unix:${path}`, until: 'open' });
      const [listen] = await waitForPort(`unix:${path}`, { until: 'listening', timeoutMs: 1000 });
      expect(listen).toMatchObject({ address: path });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad options naming the value', async () => {
    await expect(waitForPort(':1', { timeoutMs: -5 })).rejects.toThrow(
      'Expected timeoutMs to be a number of milliseconds >= 0, got `-5`',
    );
    await expect(waitForPort(':1', { until: 'up' as 'open' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(waitForPort([])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('portscope wait', () => {
  it('prints what answered, and exits 1 with one line on timeout', async () => {
    const port = portOf(await listening('::1'));
    const ok = await cli(['wait', `localhost:${String(port)}`]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      new RegExp(`^localhost:${String(port)} is open \\(::1 accepted, after \\d+\\.\\d s, 1 attempt\\)\\n$`),
    );
    const closed = await freePort();
    const late = await cli(['wait', '-t', '200ms', `:${String(closed)}`]);
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/^portscope: Timed out after 200 ms waiting for :\d+ to be open \(.*\)\n$/);
    const bad = await cli(['wait', '--until', 'up', ':1']);
    expect(bad).toMatchObject({
      code: 2,
      stderr: 'portscope: Expected --until to be one of open, closed, listening, free, got `up`\n',
    });
  });

  it.skipIf(!builtCli)('runs the command after -- once ready and exits with its code', async () => {
    const port = portOf(await listening('127.0.0.1'));
    const waitThen = (script: string) => {
      const [node = '', ...args] = builtCliArgv(
        'wait',
        `127.0.0.1:${String(port)}`,
        '--',
        process.execPath,
        '-e',
        script,
      );
      return promisify(execFile)(node, args);
    };
    const result = await waitThen('console.log("ran", process.argv.length); process.exit(0)');
    expect(result.stdout).toBe('ran 1\n');
    expect(result.stderr).toMatch(/is open \(127\.0\.0\.1 accepted/);
    const failed = await waitThen('process.exit(7)').catch((error: unknown) => error as { code: number });
    expect(failed).toMatchObject({ code: 7 });
  });
});
