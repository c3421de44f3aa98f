import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serveHttpProxy, type HttpProxyOptions } from '../../src/index.js';
import { headLength, parseFields, parseRequestLine, withoutHopByHop } from '../../src/netcat/http-head.js';

// The HTTP proxy server (serveHttpProxy) in-process, between a raw client socket and a target on
// 127.0.0.1:0; the behaviours that ncat-test.pl does not cover (its cases: suite-ncat-*.test.ts).

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function listening(server: Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A proxy on 127.0.0.1:0 serving each client with `options`. */
function proxy(options: HttpProxyOptions = {}): Promise<number> {
  return listening(
    createServer({ allowHalfOpen: true }, (socket) => {
      void serveHttpProxy(socket, options);
    }),
  );
}

/** A target that records each request's bytes and, once a head has come, writes `reply` (null: closes). */
async function target(reply: string | null): Promise<{ port: number; received: string[] }> {
  const received: string[] = [];
  const port = await listening(
    createServer((socket: Socket) => {
      let got = '';
      socket.on('data', (chunk: Buffer) => {
        got += chunk.toString('latin1');
        if (!got.includes('\r\n\r\n')) return;
        received.push(got);
        if (reply === null) socket.destroy();
        else socket.end(reply);
      });
      socket.on('error', () => socket.destroy());
    }),
  );
  return { port, received };
}

/** Sends `request` to the proxy (then FIN unless `keepOpen`); all it answers until its FIN, or `ms` pass. */
async function exchange(port: number, request: string, keepOpen = false, ms = 5000): Promise<string> {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
  socket.write(request);
  if (!keepOpen) socket.end();
  await Promise.race([once(socket, 'end'), once(socket, 'close'), new Promise((r) => setTimeout(r, ms))]);
  socket.destroy();
  return answer;
}

describe('serveHttpProxy', () => {
  it('reads a head whose lines end in a bare LF, as ncat does', async () => {
    const t = await target('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const p = await proxy();
    const answer = await exchange(p, `GET http://127.0.0.1:${String(t.port)}/x HTTP/1.0\nX-One: 1\n\n`);
    expect(answer).toBe('HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    expect(t.received[0]).toMatch(
      /^GET \/x HTTP\/1\.0\r\nX-One: 1\r\nHost: 127\.0\.0\.1:\d+\r\nConnection: close\r\n\r\n$/,
    );
  });

  it('answers 405 with Allow to a method that ncat does not proxy, and never connects', async () => {
    const t = await target('HTTP/1.0 200 OK\r\n\r\n');
    const p = await proxy();
    const answer = await exchange(p, `PUT http://127.0.0.1:${String(t.port)}/ HTTP/1.0\r\nContent-Length: 0\r\n\r\n`);
    expect(answer).toBe('HTTP/1.0 405 Method Not Allowed\r\nAllow: CONNECT, GET, HEAD, POST\r\n\r\n');
    expect(t.received).toEqual([]);
  });

  it('answers 408 to a client whose head is not complete within headTimeoutMs', async () => {
    const p = await proxy({ headTimeoutMs: 300 });
    expect(await exchange(p, 'GET http://127.0.0.1:1/ HTTP/1.0\r\n', true)).toBe(
      'HTTP/1.0 408 Request Timeout\r\n\r\n',
    );
  });

  it("drops the response's hop-by-hop fields, those its Connection names too", async () => {
    const t = await target(
      'HTTP/1.1 200 OK\r\nConnection: x-a, close\r\nX-A: 1\r\nKeep-Alive: 5\r\nX-B: 2\r\nContent-Length: 2\r\n\r\nokextra',
    );
    const p = await proxy();
    const answer = await exchange(p, `GET http://127.0.0.1:${String(t.port)}/ HTTP/1.0\r\n\r\n`);
    expect(answer).toBe('HTTP/1.0 200 OK\r\nX-B: 2\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
  });

  it('relays exactly Content-Length bytes of a 3 MiB body sent with its FIN, through back-pressure', async () => {
    const size = 3 * 1024 * 1024;
    let got = Buffer.alloc(0);
    const port = await listening(
      createServer((socket: Socket) => {
        socket.on('data', (chunk: Buffer) => {
          got = Buffer.concat([got, chunk]);
          const head = got.indexOf('\r\n\r\n');
          if (head >= 0 && got.length - head - 4 >= size) socket.end('HTTP/1.0 204 No Content\r\n\r\n');
        });
      }),
    );
    const p = await proxy();
    const body = Buffer.alloc(size + 100, 'b');
    const request = `POST http://127.0.0.1:${String(port)}/ HTTP/1.0\r\nContent-Length: ${String(size)}\r\n\r\n`;
    const answer = await exchange(p, `${request}${body.toString('latin1')}`, false, 15_000);
    expect(answer).toBe('HTTP/1.0 204 No Content\r\nConnection: close\r\n\r\n');
    expect(got.length - got.indexOf('\r\n\r\n') - 4).toBe(size);
  });

  it('answers 502 when the target closes without a response', async () => {
    const t = await target(null);
    const p = await proxy();
    const answer = await exchange(p, `GET http://127.0.0.1:${String(t.port)}/ HTTP/1.0\r\n\r\n`);
    expect(answer).toBe('HTTP/1.0 502 Bad Gateway\r\n\r\n');
  });
});

describe('HTTP heads as ncat reads them', () => {
  const b = (text: string) => Buffer.from(text, 'latin1');
  it.each([
    ['GET / HTTP/1.0\r\n\r\n', 18],
    ['GET / HTTP/1.0\n\n', 16],
    ['\r\n\nGET / HTTP/1.0\r\nA: 1\n\r\nbody', 26],
    ['GET / HTTP/1.0\r\nA: 1\r\n', undefined],
    [`GET /${'a'.repeat(1017)} HTTP/1.0\r\n\r\n`, 'too large'],
    [`GET /${'a'.repeat(1000)} HTTP/1.0\r\n\r\n`, 1018],
    [`GET / HTTP/1.0\r\n${'A: 1\r\n'.repeat(1707)}\r\n`, 'too large'],
    [`GET / HTTP/1.0\r\n${'A: 1\r\n'.repeat(1706)}\r\n`, 16 + 6 * 1706 + 2],
    ['x'.repeat(1023), 'too large'],
  ])('headLength(%j) is %s', (text, length) => {
    expect(headLength(b(text))).toBe(length);
  });

  it.each([
    [
      'A: 1\r\nB:2\r\n\r\n',
      [
        ['A', '1'],
        ['B', '2'],
      ],
    ],
    ['A:\t  x  \r\n\t  \n y\r\n\r\n', [['A', 'x y']]],
    [
      'A: 1\r\n b\r\nA: 2\r\n\r\n',
      [
        ['A', '1 b'],
        ['A', '2'],
      ],
    ],
    ['A: \x01\r\n\r\n', 400],
    ['No colon\r\n\r\n', 400],
    [' folded first\r\n\r\n', 400],
  ] as const)('parseFields(%j)', (block, fields) => {
    expect(parseFields(block)).toEqual(fields);
  });

  it.each([
    ['GET http://h/ HTTP/1.1', { method: 'GET', uri: 'http://h/' }],
    ['GET http://h/', { method: 'GET', uri: 'http://h/' }],
    ['bad', 400],
    ['GET http://h/ HTTP/x', 400],
    ['G(T http://h/ HTTP/1.0', 400],
  ] as const)('parseRequestLine(%j)', (line, parsed) => {
    expect(parseRequestLine(line)).toEqual(parsed);
  });

  it.each([
    [
      [
        ['Connection', 'keep-alive'],
        ['Two', '2'],
        ['Connection', 'two'],
        ['TE', 'x'],
        ['One', '1'],
      ],
      [['One', '1']],
    ],
    [[['Connection', 'a b']], 400],
    [
      [
        ['Upgrade', 'h2c'],
        ['Proxy-Authorization', 'Basic x'],
        ['Host', 'h'],
      ],
      [['Host', 'h']],
    ],
  ] as const)('withoutHopByHop(%j)', (fields, kept) => {
    expect(withoutHopByHop(fields)).toEqual(kept);
  });
});
