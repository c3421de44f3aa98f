import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/index.js';
import { closeLoopbackServers, serveLoopback } from '../helpers/loopback.js';
import { killAll, startNc, startProcess, type Running } from '../helpers/nc.js';
import { hasTool } from '../helpers/system.js';

// The proxy server's 407 keeps the connection open for the client's next request (issue 17):
// curl resends on it, so `curl -p --proxy-digest` fails through ncat 7.93's proxy (which closes)
// and must pass through portscope's.

afterEach(() => {
  killAll();
  closeLoopbackServers();
});

async function proxyServer(tool: 'ncat' | 'portscope'): Promise<{ p: Running; port: number }> {
  const [port = 0] = await findFreePort({ host: '127.0.0.1' });
  const listen = ['-v', '-l', '127.0.0.1', String(port), '--proxy-type', 'http', '--proxy-auth', 'user:pass', '-k'];
  const p =
    tool === 'ncat'
      ? startProcess('ncat', listen, 30_000, 'ignore')
      : startNc(['--compat', 'ncat', ...listen], 30_000, 'ignore');
  await p.waitForStderr(/Listening on/);
  return { p, port };
}

/** What a curl through the proxy printed as `%{http_code} %{http_connect}`, and its exit code. */
async function curl(
  proxyPort: number,
  targetPort: number,
  args: readonly string[],
): Promise<[string, number | string]> {
  const run = startProcess(
    'curl',
    [
      ...['-s', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code} %{http_connect}', ...args],
      ...['-x', `http://127.0.0.1:${String(proxyPort)}`, `http://127.0.0.1:${String(targetPort)}/`],
    ],
    15_000,
    'ignore',
  );
  const code = await run.exited();
  return [run.stdout().toString(), code];
}

/** One connection to the proxy: `ask` writes and resolves with the next answer head (or 'closed'). */
function conversation(port: number): { ask: (text: string) => Promise<string>; socket: Socket } {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let got = '';
  let closed = false;
  socket.on('data', (c: Buffer) => (got += c.toString('latin1')));
  socket.on('close', () => (closed = true));
  const ask = async (text: string) => {
    socket.write(text);
    for (let i = 0; i < 500; i++) {
      const end = got.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = got.slice(0, end + 4);
        got = got.slice(end + 4);
        return head;
      }
      if (closed) return 'closed';
      await new Promise((r) => setTimeout(r, 20));
    }
    return 'timeout';
  };
  return { ask, socket };
}

const basic = `Proxy-Authorization: Basic ${btoa('user:pass')}\r\n`;

describe('the proxy server keeps the connection open after a 407', () => {
  it.skipIf(!hasTool('curl', 'curl through the proxy server'))(
    'curl -p --proxy-digest resends on the same connection and is served (ncat 7.93 closes it)',
    async () => {
      const target = await serveLoopback((s) => {
        s.on('error', () => undefined);
        s.end('HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n');
      });
      const ours = await proxyServer('portscope');
      const digest = ['-p', '--proxy-digest', '-U'];
      expect(await curl(ours.port, target.port, [...digest, 'user:pass'])).toEqual(['200 200', 0]);
      // A wrong password: curl resends once on the same connection, gets 407 again and gives up.
      expect(await curl(ours.port, target.port, [...digest, 'user:nope'])).toEqual(['000 407', 56]);
      expect(await curl(ours.port, target.port, ['-p', '--proxy-basic', '-U', 'user:pass'])).toEqual(['200 200', 0]);
      if (hasTool('ncat', 'curl through ncat')) {
        const ncat = await proxyServer('ncat');
        // curl 7.88: "Proxy CONNECT aborted" (exit 56) when it resends on ncat's closed connection.
        expect((await curl(ncat.port, target.port, [...digest, 'user:pass']))[1]).toBe(56);
      }
    },
  );

  it('serves the next request on it, after skipping the refused one’s body', async () => {
    const target = await serveLoopback((s) => {
      s.on('error', () => undefined);
      s.on('data', (c: Buffer) => s.end(`echo ${c.toString()}`));
    });
    const { port } = await proxyServer('portscope');
    const to = `127.0.0.1:${String(target.port)}`;
    const { ask, socket } = conversation(port);
    const first = await ask(`POST http://${to}/ HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello`);
    expect(first).toMatch(/^HTTP\/1\.0 407 [^]*\r\nContent-Length: 0\r\n\r\n$/);
    expect(await ask(`CONNECT ${to} HTTP/1.1\r\n${basic}\r\n`)).toMatch(/^HTTP\/1\.0 200 /);
    socket.write('through');
    await new Promise((r) => socket.once('close', r));
  });

  it('closes after a chunked request’s 407, and after three 407s on one connection', async () => {
    const { port } = await proxyServer('portscope');
    const chunked = conversation(port);
    const head = 'POST http://127.0.0.1:1/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';
    expect(await chunked.ask(head)).toMatch(/^HTTP\/1\.0 407 /);
    expect(await chunked.ask('')).toBe('closed');
    const many = conversation(port);
    for (let i = 0; i < 3; i++)
      expect(await many.ask('CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n')).toMatch(/^HTTP\/1\.0 407 /);
    expect(await many.ask('CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n')).toBe('closed');
  });
});
