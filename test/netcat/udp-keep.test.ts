import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { listen } from '../../src/netcat/index.js';
import { killAll, startNc, type Running } from '../helpers/nc.js';
import { builtCli } from '../helpers/system.js';

// `-k` with UDP (issue 17): by default (and under --compat ncat, as ncat 7.94's) each sender is a
// session of its own, with its own --exec program; under --compat openbsd (nc.openbsd's) the
// socket stays unconnected and answers nobody (test/netcat/suite-openbsd-pending.test.ts).

const sockets: Socket[] = [];
afterEach(() => {
  killAll();
  for (const socket of sockets.splice(0)) socket.close();
});

/** A UDP client socket on 127.0.0.1 that collects what it receives. */
async function udpClient(): Promise<{ socket: Socket; got: () => string; port: number }> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  let got = '';
  socket.on('message', (m: Buffer) => (got += m.toString()));
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { socket, got: () => got, port: socket.address().port };
}

/** Sends `text` to 127.0.0.1:port every 200 ms until `done()` (at most 10 s). */
async function sendUntil(socket: Socket, port: number, text: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !done(); i++) {
    socket.send(text, port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!done()) throw new Error(`no answer to ${JSON.stringify(text)} in 10 s`);
}

async function listening(args: readonly string[]): Promise<{ nc: Running; port: number }> {
  const nc = startNc(['-v', '-k', '-u', '-l', ...args], 30_000);
  const [, port = '0'] = await nc.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/);
  return { nc, port: Number(port) };
}

describe.skipIf(!builtCli)('portscope nc -k -u: a session per sender', { timeout: 40_000 }, () => {
  it('serves each sender with a program of its own (--exec, --shell)', async () => {
    const { nc, port } = await listening(['--shell', 'echo "peer $PORTSCOPE_PEER_PORT"; exec cat', '127.0.0.1', '0']);
    const a = await udpClient();
    const b = await udpClient();
    await sendUntil(a.socket, port, 'one\n', () => a.got().includes('one\n'));
    await sendUntil(b.socket, port, 'two\n', () => b.got().includes('two\n'));
    expect(a.got()).toContain(`peer ${String(a.port)}\n`);
    expect(b.got()).toContain(`peer ${String(b.port)}\n`);
    expect(a.got()).not.toContain('two');
    expect(b.got()).not.toContain('one');
    expect(nc.stderr().match(/connection from 127\.0\.0\.1:/g)).toHaveLength(2);
  });

  it("sends stdin to every sender and prints what each sends; outlasts stdin's end", async () => {
    const { nc, port } = await listening(['127.0.0.1', '0']);
    const a = await udpClient();
    const b = await udpClient();
    a.socket.send('from a\n', port, '127.0.0.1');
    b.socket.send('from b\n', port, '127.0.0.1');
    await nc.waitForStdout('from a\n');
    await nc.waitForStdout('from b\n');
    await nc.waitForStderr(/connection from 127\.0\.0\.1:\d+\n[^]*connection from 127\.0\.0\.1:\d+\n/);
    nc.child.stdin?.end('to all\n');
    await sendUntil(a.socket, port, '', () => a.got() === 'to all\n' && b.got() === 'to all\n');
    // A one-peer UDP session ends 2 s after stdin's end; a kept-open listener goes on.
    await new Promise((r) => setTimeout(r, 2500));
    const c = await udpClient();
    c.socket.send('from c\n', port, '127.0.0.1');
    await nc.waitForStdout('from c\n');
    expect(nc.child.exitCode).toBeNull();
  });

  it('refuses a sender over --max-conns and keeps serving the first', async () => {
    const { nc, port } = await listening(['--max-conns', '1', '--exec', '/bin/cat', '127.0.0.1', '0']);
    const a = await udpClient();
    const b = await udpClient();
    await sendUntil(a.socket, port, 'one\n', () => a.got().includes('one\n'));
    b.socket.send('two\n', port, '127.0.0.1');
    await nc.waitForStderr(new RegExp(`refused 127\\.0\\.0\\.1:${String(b.port)} \\(over --max-conns\\)`));
    await sendUntil(a.socket, port, 'three\n', () => a.got().includes('three\n'));
    expect(b.got()).toBe('');
  });

  it('refuses --broker with UDP (exit 2, one line)', async () => {
    const nc = startNc(['-k', '-u', '--broker', '-l', '127.0.0.1', '0'], 10_000);
    expect(await nc.exited()).toBe(2);
    expect(nc.stderr()).toMatch(/^portscope: .*--broker.*UDP[^\n]*\n$/);
  });
});

describe("listen({ protocol: 'udp', keepOpen: true, udpKeepOpen: 'unanswered' })", () => {
  it("takes every sender's datagrams on one connection and sends nothing", async () => {
    const got: string[] = [];
    let written = false;
    const listener = await listen(
      { host: '127.0.0.1', port: 0 },
      { protocol: 'udp', keepOpen: true, udpKeepOpen: 'unanswered' },
      (connection) => {
        connection.stream.on('data', (c: Buffer) => got.push(c.toString()));
        connection.stream.write('answer', () => (written = true));
      },
    );
    const port = 'port' in listener.local ? listener.local.port : 0;
    const a = await udpClient();
    const b = await udpClient();
    await sendUntil(a.socket, port, 'a', () => got.includes('a'));
    await sendUntil(b.socket, port, 'b', () => got.includes('b'));
    await new Promise((r) => setTimeout(r, 300));
    expect(written).toBe(true);
    expect(a.got() + b.got()).toBe('');
    await listener.close();
  });
});
