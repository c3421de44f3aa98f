import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, startNc, startProcess, type Running } from '../helpers/nc.js';
import { hasTool } from '../helpers/system.js';

// SOCKS4 and 4a as a client, against a bounded python SOCKS4 server that records each request and
// echoes; ncat 7.93 is run against the same server and must send the same request.
const hasTools = ['python3', 'ncat'].map((t) => hasTool(t, 'nc SOCKS4 tests')).every(Boolean);
const SERVER = fileURLToPath(new URL('../helpers/socks4-server.py', import.meta.url));

afterEach(() => {
  killAll();
});

async function socksServer(): Promise<{ server: Running; port: string; requests: () => unknown[] }> {
  const server = startProcess('python3', [SERVER], 30_000, 'ignore');
  await server.waitForStdout('\n');
  const [port = ''] = server.stdout().toString().split('\n');
  return {
    server,
    port,
    requests: () =>
      server
        .stdout()
        .toString()
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((line) => JSON.parse(line) as unknown),
  };
}

/** Runs a client with `text` on stdin; its stdout and exit code. */
async function client(run: Running, text: string): Promise<{ code: number | string; stdout: string }> {
  run.child.stdin?.end(text);
  const code = await run.exited();
  return { code, stdout: run.stdout().toString() };
}

describe.runIf(hasTools)('nc --proxy socks4:// and socks4a://', () => {
  it('sends the request ncat sends (--proxy-type socks4), and the bytes pass both ways', async () => {
    const { port, requests } = await socksServer();
    const theirs = await client(
      startProcess(
        'ncat',
        ['--proxy', `127.0.0.1:${port}`, '--proxy-type', 'socks4', '--proxy-auth', 'alice', '127.0.0.1', '4242'],
        15_000,
      ),
      'through socks4\n',
    );
    const mine = await client(
      startNc(
        [
          '--compat',
          'ncat',
          '--proxy',
          `127.0.0.1:${port}`,
          '--proxy-type',
          'socks4',
          '--proxy-auth',
          'alice',
          '127.0.0.1',
          '4242',
        ],
        15_000,
      ),
      'through socks4\n',
    );
    expect(theirs).toEqual({ code: 0, stdout: 'through socks4\n' });
    expect(mine).toEqual(theirs);
    const [ncatRequest, ourRequest] = requests();
    expect(ncatRequest).toEqual({
      version: 4,
      command: 1,
      port: 4242,
      address: '127.0.0.1',
      user: 'alice',
      name: null,
    });
    expect(ourRequest).toEqual(ncatRequest);
  });

  it('socks4a sends the name for the proxy to resolve; socks4 resolves it here; a refusal exits 1', async () => {
    const { port, requests } = await socksServer();
    const a = await client(startNc(['--proxy', `socks4a://bob@127.0.0.1:${port}`, 'localhost', '80'], 15_000), 'x');
    const four = await client(startNc(['--proxy', `socks4://127.0.0.1:${port}`, 'localhost', '81'], 15_000), 'y');
    const refused = startNc(['--proxy', `socks4://refuse-me@127.0.0.1:${port}`, '127.0.0.1', '82'], 15_000);
    const refusedResult = await client(refused, 'z');
    expect([a, four]).toEqual([
      { code: 0, stdout: 'x' },
      { code: 0, stdout: 'y' },
    ]);
    expect(refusedResult.code).toBe(1);
    expect(refused.stderr()).toMatch(/refused: request rejected or failed/);
    expect(requests()).toEqual([
      { version: 4, command: 1, port: 80, address: '0.0.0.1', user: 'bob', name: 'localhost' },
      { version: 4, command: 1, port: 81, address: '127.0.0.1', user: '', name: null },
      { version: 4, command: 1, port: 82, address: '127.0.0.1', user: 'refuse-me', name: null },
    ]);
  });
});
