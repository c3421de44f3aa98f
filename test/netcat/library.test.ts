import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PortscopeError } from '../../src/index.js';
import { listen, openConnection, relay, type NetcatListener } from '../../src/netcat/index.js';
import { closeLoopbackServers, serveLoopback } from '../helpers/loopback.js';
import { killAll, startNc } from '../helpers/nc.js';

const listeners: NetcatListener[] = [];
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portscope-nc-lib-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  killAll();
  closeLoopbackServers();
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

/** A loopback TCP server on port 0 that keeps its clients, saying nothing (closing at their FIN); its port and clients. */
async function silentServer(): Promise<{ port: number; clients: Socket[] }> {
  const clients: Socket[] = [];
  const { port } = await serveLoopback((socket) => {
    clients.push(socket);
    socket.on('error', () => undefined);
    socket.resume();
  });
  return { port, clients };
}

/** Resolves when `socket` has closed, or rejects after `ms`. */
async function closedWithin(socket: Socket, ms: number): Promise<void> {
  if (socket.closed) return;
  await Promise.race([
    once(socket, 'close'),
    new Promise((_, reject) => {
      setTimeout(() => {
        reject(new Error(`still open after ${String(ms)} ms`));
      }, ms);
    }),
  ]);
}

async function rejection(promise: Promise<unknown>): Promise<PortscopeError> {
  const error: unknown = await promise.then(
    () => new Error('resolved'),
    (e: unknown) => e,
  );
  if (!(error instanceof PortscopeError)) throw new Error(`expected a PortscopeError, got ${String(error)}`);
  return error;
}

/** A TCP connect to 127.0.0.1:port: 'connected' or the errno. */
async function tryConnect(port: number): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      resolve(e.code ?? 'error');
    });
  });
}

describe('netcat library: AbortSignal', () => {
  it('openConnection: an abort during a TLS handshake the server never answers rejects ABORTED and closes the socket', async () => {
    const { port, clients } = await silentServer();
    const controller = new AbortController();
    const pending = openConnection(
      { host: '127.0.0.1', port },
      { tls: { insecure: true }, signal: controller.signal, connectTimeoutMs: 20_000 },
    );
    for (let i = 0; i < 250 && clients.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(clients).toHaveLength(1);
    controller.abort();
    const error = await rejection(pending);
    expect(error.code).toBe('ABORTED');
    expect(error.message).toBe(`Connecting to \`127.0.0.1:${String(port)}\` was aborted`);
    const [client] = clients;
    if (client === undefined) throw new Error('no client');
    await closedWithin(client, 5000);
  });

  it('openConnection: a signal aborted already rejects ABORTED without connecting', async () => {
    const { port, clients } = await silentServer();
    const error = await rejection(openConnection({ host: '127.0.0.1', port }, { signal: AbortSignal.abort() }));
    expect(error.code).toBe('ABORTED');
    await new Promise((r) => setTimeout(r, 100));
    expect(clients).toHaveLength(0);
  });

  it('relay: an abort ends it as `aborted` and closes the connection', async () => {
    const { port, clients } = await silentServer();
    const connection = await openConnection({ host: '127.0.0.1', port });
    const controller = new AbortController();
    const input = new PassThrough();
    const output = new PassThrough();
    const relaying = relay(connection.stream, input, output, { signal: controller.signal });
    input.write('before the abort\n');
    for (let i = 0; i < 250 && clients[0]?.bytesRead !== 17; i++) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const result = await relaying;
    expect(result).toEqual({ sentBytes: 17, receivedBytes: 0, end: 'aborted', inputEnded: false, unsentBytes: 0 });
    const [client] = clients;
    if (client === undefined) throw new Error('no client');
    await closedWithin(client, 5000);
    expect(input.destroyed).toBe(false);
  });

  it('listen: an abort stops listening and closes its connections; a signal aborted already refuses to start', async () => {
    const controller = new AbortController();
    let served = 0;
    const listener = await listen({ port: 0 }, { keepOpen: true, signal: controller.signal }, () => {
      served++;
    });
    listeners.push(listener);
    const port = 'port' in listener.local ? listener.local.port : 0;
    const client = connect(port, '127.0.0.1');
    client.on('error', () => undefined);
    await once(client, 'connect');
    for (let i = 0; i < 250 && served === 0; i++) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await listener.closed;
    await closedWithin(client, 5000);
    expect(await tryConnect(port)).toBe('ECONNREFUSED');

    const error = await rejection(listen({ port: 0 }, { signal: AbortSignal.abort() }, () => undefined));
    expect(error.code).toBe('ABORTED');
  });
});

describe('netcat library: TLS listener and client', () => {
  it('without keepOpen, a plain-TCP probe does not end a TLS listener; ALPN is negotiated and the self-signed key pins', async () => {
    const events: string[] = [];
    const accepted: string[] = [];
    const listener = await listen(
      { port: 0 },
      { tls: { alpn: ['http/1.1'] }, onEvent: (e) => events.push(e.type) },
      (c) => {
        accepted.push(JSON.stringify(c.peer));
        c.stream.end('hello over TLS\n');
      },
    );
    listeners.push(listener);
    const port = 'port' in listener.local ? listener.local.port : 0;
    const pin = `sha256:${listener.certificate?.publicKeySha256 ?? ''}`;

    // A port scanner's connect: no TLS at all.
    const probe = connect(port, '127.0.0.1');
    probe.on('error', () => undefined);
    await once(probe, 'connect');
    probe.end('GET / HTTP/1.0\r\n\r\n');
    await once(probe, 'close');
    for (let i = 0; i < 250 && !events.includes('tls-failed'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(['tls-failed']);

    const connection = await openConnection(
      { host: '127.0.0.1', port },
      { tls: { pins: [pin], alpn: ['h2', 'http/1.1'] } },
    );
    expect(connection.tls).toMatchObject({ trust: 'pinned', alpn: 'http/1.1', protocol: 'TLSv1.3' });
    const output = new PassThrough();
    const result = await relay(connection.stream, null, output);
    expect(result.end).toBe('peer-closed');
    expect(String(output.read())).toBe('hello over TLS\n');
    expect(events).toEqual(['tls-failed', 'connection']);
    expect(accepted).toHaveLength(1);
    await listener.closed;
  });

  it('drops a client that never starts its TLS handshake after handshakeTimeoutMs, so it cannot hold a listener without keepOpen', async () => {
    const events: string[] = [];
    const listener = await listen(
      { port: 0 },
      { tls: { handshakeTimeoutMs: 200 }, onEvent: (e) => events.push(e.type === 'tls-failed' ? e.message : e.type) },
      (c) => {
        c.stream.end('served\n');
      },
    );
    listeners.push(listener);
    const port = 'port' in listener.local ? listener.local.port : 0;
    const silent = connect(port, '127.0.0.1');
    silent.on('error', () => undefined);
    await once(silent, 'connect');
    // Meanwhile a real client is refused: the one slot is taken by the silent one.
    const early = await rejection(
      openConnection({ host: '127.0.0.1', port }, { tls: { insecure: true }, connectTimeoutMs: 5000 }),
    );
    expect(early.code).toBe('CONNECTION_FAILED');
    await once(silent, 'close');
    expect(events).toEqual(['refused', 'no TLS handshake within 200 ms']);
    const connection = await openConnection({ host: '127.0.0.1', port }, { tls: { insecure: true } });
    const output = new PassThrough();
    expect((await relay(connection.stream, null, output)).end).toBe('peer-closed');
    expect(String(output.read())).toBe('served\n');
    expect(events).toEqual(['refused', 'no TLS handshake within 200 ms', 'connection']);
  });
});

describe('portscope nc --chat, --hexdump and --transcript', () => {
  it('--chat prefixes each whole line with its sender, keeps a character split between chunks whole, and announces', async () => {
    const nc = startNc(['-v', '-l', '--chat', '0'], 15_000);
    const [, port = ''] = await nc.waitForStderr(/[Ll]istening on 127\.0\.0\.1[: ](\d+)/);
    const join = async () => {
      const socket = connect(Number(port), '127.0.0.1');
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      return { socket, text: () => text };
    };
    const waitFor = async (read: () => string, pattern: RegExp) => {
      for (let i = 0; i < 250 && !pattern.test(read()); i++) await new Promise((r) => setTimeout(r, 20));
      return read();
    };
    const a = await join();
    await nc.waitForStderr(/connection from/);
    const b = await join();
    await waitFor(a.text, /is connected as <user2>/);
    // "café" with its é (c3 a9) split over two writes, and a line still being typed.
    a.socket.write(Buffer.from([0x63, 0x61, 0x66, 0xc3]));
    await new Promise((r) => setTimeout(r, 50));
    a.socket.write(Buffer.from([0xa9, 0x0a, 0x6e, 0x6f]));
    const joined =
      '<announce> 127.0.0.1 is connected as <user2>.\n<announce> already connected: 127.0.0.1 as <user1>.\n';
    expect(await waitFor(b.text, /café/)).toBe(`${joined}<user1> café\n`);
    a.socket.end(' newline\n');
    expect(await waitFor(b.text, /disconnected/)).toBe(
      `${joined}<user1> café\n<user1> no newline\n<announce> <user1> is disconnected.\n`,
    );
    // As ncat's: every arrival is announced to all, the new client too, with who was already there.
    expect(a.text()).toBe(
      '<announce> 127.0.0.1 is connected as <user1>.\n<announce> already connected: nobody.\n' +
        '<announce> 127.0.0.1 is connected as <user2>.\n<announce> already connected: 127.0.0.1 as <user1>.\n',
    );
    b.socket.destroy();
    nc.child.kill('SIGTERM');
    await nc.exited();
  });

  it('--hexdump writes both directions to stderr; --transcript appends JSON lines that decode to the bytes', async () => {
    const served = await serveLoopback(
      (socket) => {
        socket.on('data', () => undefined);
        socket.on('end', () => socket.end('pong\n'));
      },
      { allowHalfOpen: true },
    );
    const port = String(served.port);
    const file = join(dir, 'transcript.jsonl');
    for (const round of [1, 2]) {
      const nc = startNc(['-x', '--transcript', file, '127.0.0.1', port], 10_000);
      nc.child.stdin?.end(`ping ${String(round)}\n`);
      expect(await nc.exited()).toBe(0);
      expect(nc.stdout().toString()).toBe('pong\n');
      expect(nc.stderr()).toBe(
        `> 00000000  70 69 6e 67 20 3${String(round)} 0a                              |ping ${String(round)}.|\n` +
          '< 00000000  70 6f 6e 67 0a                                    |pong.|\n',
      );
    }
    expect(existsSync(file)).toBe(true);
    const entries = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { time: string; direction: string; data: string });
    expect(entries.map((e) => [e.direction, Buffer.from(e.data, 'base64').toString()])).toEqual([
      ['sent', 'ping 1\n'],
      ['received', 'pong\n'],
      ['sent', 'ping 2\n'],
      ['received', 'pong\n'],
    ]);
    for (const e of entries) expect(Number.isNaN(Date.parse(e.time))).toBe(false);
  });
});
