import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/index.js';
import { killAll, startNc, startProcess, type Running } from '../helpers/nc.js';
import { hasTool } from '../helpers/system.js';

// ncat's proxy server (`-l --proxy-type http`) beside `portscope nc --compat ncat` doing the same,
// with curl as the client and a bounded python HTTP server as the target.
const hasTools = ['ncat', 'curl', 'python3'].map((t) => hasTool(t, 'nc proxy server tests')).every(Boolean);

/** Answers each request with its own head (CRLF shown as |) as the body; stops after 20 s. */
const TARGET = `
import socket, sys, threading, time
l = socket.socket(); l.bind((sys.argv[1], 0)); l.listen(20); l.settimeout(1)
print(l.getsockname()[1], flush=True)
def serve(c):
    c.settimeout(5)
    d = b''
    while b'\\r\\n\\r\\n' not in d:
        x = c.recv(4096)
        if not x: break
        d += x
    body = d.split(b'\\r\\n\\r\\n')[0].replace(b'\\r\\n', b'|')
    c.sendall(b'HTTP/1.1 200 OK\\r\\nKeep-Alive: timeout=5\\r\\nContent-Length: %d\\r\\n\\r\\n' % len(body) + body + b'ignored past Content-Length')
    c.close()
end = time.time() + 20
while time.time() < end:
    try: c, _ = l.accept()
    except socket.timeout: continue
    print('connection', flush=True)
    threading.Thread(target=serve, args=(c,)).start()
`;

let target: Running;
let targetPort: string;
beforeAll(async () => {
  if (!hasTools) return;
  target = startProcess('python3', ['-c', TARGET, '127.0.0.1'], 60_000, 'ignore');
  await target.waitForStdout('\n');
  targetPort = target.stdout().toString().trim();
});
afterAll(() => {
  killAll();
});

async function proxies(extra: readonly string[]): Promise<Record<'ncat' | 'portscope', string>> {
  const ports = await Promise.all([0, 1].map(async () => String((await findFreePort({ host: '127.0.0.1' }))[0])));
  const [ncatPort = '', ourPort = ''] = ports;
  const ncat = startProcess(
    'ncat',
    ['-v', '-l', '127.0.0.1', ncatPort, '--proxy-type', 'http', ...extra],
    30_000,
    'ignore',
  );
  const ours = startNc(
    ['--compat', 'ncat', '-v', '-l', '127.0.0.1', ourPort, '--proxy-type', 'http', ...extra],
    30_000,
    'ignore',
  );
  await Promise.all([ours.waitForStderr(/Listening on/), ncat.waitForStderr(/Listening on/)]);
  return { ncat: ncatPort, portscope: ourPort };
}

async function curl(args: readonly string[]): Promise<{ code: number | string; out: string }> {
  const run = startProcess('curl', ['-s', '--max-time', '10', ...args], 15_000, 'ignore');
  const code = await run.exited();
  return { code, out: run.stdout().toString().replaceAll(targetPort, 'PORT') };
}

describe.runIf(hasTools)('nc --compat ncat -l --proxy-type http (ncat proxy server)', () => {
  it('GET with an absolute URI and CONNECT answer as ncat does', async () => {
    const ports = await proxies([]);
    const results: Record<string, unknown> = {};
    for (const [name, port] of Object.entries(ports)) {
      const proxy = `http://127.0.0.1:${port}`;
      results[name] = {
        get: await curl(['-i', '-x', proxy, '-H', 'X-Test: 1', `http://127.0.0.1:${targetPort}/path?q=1`]),
        tunnel: await curl(['-i', '-p', '-x', proxy, `http://127.0.0.1:${targetPort}/tunnelled`]),
        unreachable: await curl(['-o', '/dev/null', '-w', '%{http_code}', '-x', proxy, 'http://127.0.0.1:1/']),
      };
    }
    expect(results.ncat).toMatchObject({ get: { code: 0 }, tunnel: { code: 0 }, unreachable: { out: '504' } });
    expect((results.ncat as { get: { out: string } }).get.out).toContain('GET /path?q=1 HTTP/1.0|');
    expect(results.portscope).toEqual(results.ncat);
  });

  it('--proxy-auth: 407 without or with wrong credentials, served with the right ones', async () => {
    const ports = await proxies(['--proxy-auth', 'user:s3cret']);
    const results: Record<string, unknown> = {};
    for (const [name, port] of Object.entries(ports)) {
      const status = async (auth: string) =>
        (
          await curl([
            '-o',
            '/dev/null',
            '-w',
            '%{http_code}',
            '-x',
            `http://${auth}127.0.0.1:${port}`,
            `http://127.0.0.1:${targetPort}/`,
          ])
        ).out;
      results[name] = [await status(''), await status('user:wrong@'), await status('user:s3cret@')];
    }
    expect(results.ncat).toEqual(['407', '407', '200']);
    expect(results.portscope).toEqual(results.ncat);
  });

  it('a target that --deny refuses gets 403 and is never connected to', async () => {
    const port = String((await findFreePort({ host: '127.0.0.1' }))[0]);
    const ours = startNc(
      ['-v', '-l', '127.0.0.1', port, '--proxy-server', 'http', '--deny', '127.0.0.1'],
      30_000,
      'ignore',
    );
    await ours.waitForStderr(/listening on/);
    const before = target.stdout().toString().split('connection').length;
    // The client comes from 127.0.0.2, which the rules accept; the target, 127.0.0.1, they refuse.
    const denied = await curl([
      '--interface',
      '127.0.0.2',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-x',
      `http://127.0.0.1:${port}`,
      `http://localhost:${targetPort}/`,
    ]);
    expect(denied.out).toBe('403');
    await new Promise((r) => setTimeout(r, 300));
    expect(target.stdout().toString().split('connection').length).toBe(before);
  });
});
