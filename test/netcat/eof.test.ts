import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeLoopbackServers, serveLoopback } from '../helpers/loopback.js';
import { killAll, startNc, startProcess } from '../helpers/nc.js';
import { builtCliArgv } from '../helpers/system.js';

afterEach(() => {
  killAll();
  closeLoopbackServers();
});

/** A loopback TCP server on port 0 (half-open allowed) running `onSocket` for each client; its port. */
async function serve(onSocket: (socket: Socket) => void): Promise<number> {
  return (await serveLoopback(onSocket, { allowHalfOpen: true })).port;
}

describe('portscope nc: EOF', () => {
  it('gets the reply of a server that answers only after the client has sent FIN (no hang, nothing lost)', async () => {
    const port = await serve((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => {
        // Answer after the FIN, slowly and in two parts, as a batch server would.
        setTimeout(() => {
          socket.write('got: ');
          setTimeout(() => socket.end(Buffer.concat(chunks)), 100);
        }, 100);
      });
    });
    const nc = startNc(['127.0.0.1', String(port)], 10_000);
    nc.child.stdin?.end('hello\n');
    expect(await nc.exited()).toBe(0);
    expect(nc.stdout().toString()).toBe('got: hello\n');
  });

  it('the server half-closes at once, then reads: stdin that comes later still reaches it (5 of 5)', async () => {
    // ncat and `nc.openbsd -N` deliver it every time (issue 17, the EOF rule).
    const port = await serve((socket) => {
      socket.end('ready\n');
      let got = '';
      socket.on('data', (c: Buffer) => (got += c.toString()));
      socket.on('end', () => {
        received.push(got);
      });
    });
    const received: string[] = [];
    const clients = Array.from({ length: 5 }, () => startNc(['127.0.0.1', String(port)], 15_000));
    // Written after the server's FIN has arrived.
    await Promise.all(clients.map((c) => c.waitForStdout('ready\n')));
    for (const [i, c] of clients.entries()) c.child.stdin?.end(`late line ${String(i)}\n`);
    expect(await Promise.all(clients.map((c) => c.exited()))).toEqual([0, 0, 0, 0, 0]);
    for (let i = 0; i < 100 && received.length < 5; i++) await new Promise((r) => setTimeout(r, 20));
    expect(received.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `late line ${String(i)}\n`));
  });

  it('--end-on-peer-fin: exits when the server closes first, though stdin stays open', async () => {
    const port = await serve((socket) => {
      socket.end('bye\n');
    });
    const nc = startNc(['--end-on-peer-fin', '127.0.0.1', String(port)], 10_000);
    // stdin is never closed: nc must notice the server's FIN by itself.
    expect(await nc.exited()).toBe(0);
    expect(nc.stdout().toString()).toBe('bye\n');
    expect(nc.child.stdin?.writableEnded).toBe(false);
  });

  it('with a terminal on stdin, the server closing first ends the session (nothing typed is pending)', async () => {
    const port = await serve((socket) => {
      socket.end('bye\n');
    });
    // script(1) gives nc a pseudo-terminal as stdin, which stays open.
    const command = builtCliArgv('nc', '127.0.0.1', String(port))
      .map((a) => `'${a}'`)
      .join(' ');
    const nc = startProcess('script', ['-qec', command, '/dev/null'], 10_000);
    expect(await nc.exited()).toBe(0);
    expect(nc.stdout().toString()).toContain('bye');
  });

  it('exits 3 with one line when the server resets mid-way, though stdin stays open (no hang on the open pipe)', async () => {
    const port = await serve((socket) => {
      socket.once('data', () => {
        socket.resetAndDestroy();
      });
    });
    const nc = startNc(['127.0.0.1', String(port)], 10_000);
    nc.child.stdin?.write('hello\n');
    // Killed at the 10 s limit, exited() would give the signal's name, not 3.
    expect(await nc.exited()).toBe(3);
    expect(nc.stderr()).toBe('portscope: The connection was reset by the peer (ECONNRESET)\n');
    expect(nc.child.stdin?.writableEnded).toBe(false);
  });

  it('--end-on-peer-fin: when the server sends FIN first, what nc had already taken from stdin still reaches it, and the rest is counted', async () => {
    let received = 0;
    const port = await serve((socket) => {
      // Read nothing for a while, so that nc's writes queue up; then FIN, then drain everything.
      socket.pause();
      setTimeout(() => {
        socket.end();
        setTimeout(() => {
          socket.on('data', (c: Buffer) => (received += c.length));
          socket.resume();
        }, 200);
      }, 300);
    });
    const nc = startNc(['-v', '--end-on-peer-fin', '127.0.0.1', String(port)], 10_000);
    nc.child.stdin?.write(randomBytes(16 * 1024 * 1024));
    // stdin still held data when the FIN ended the session: exit 1, and the bytes not sent are named.
    expect(await nc.exited()).toBe(1);
    expect(nc.stderr()).toMatch(/portscope nc: \d+ bytes of stdin were not sent: the peer closed first/);
    const [, sent = ''] = /peer-closed: sent (\d+) bytes/.exec(nc.stderr()) ?? [];
    expect(Number(sent)).toBeGreaterThan(0);
    for (let i = 0; i < 100 && received < Number(sent); i++) await new Promise((r) => setTimeout(r, 20));
    expect(received).toBe(Number(sent));
  });

  it('--send-only ends once stdin has ended; --recv-only never reads stdin', async () => {
    let received = '';
    const port = await serve((socket) => {
      socket.on('data', (c: Buffer) => (received += c.toString()));
      socket.write('ignored by --send-only\n');
    });
    const sendOnly = startNc(['--send-only', '127.0.0.1', String(port)], 10_000);
    sendOnly.child.stdin?.end('one way\n');
    expect(await sendOnly.exited()).toBe(0);
    expect(sendOnly.stdout().length).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toBe('one way\n');

    const quiet = await serve((socket) => {
      socket.on('data', () => socket.end('never\n'));
      setTimeout(() => socket.end('done\n'), 200);
    });
    const recvOnly = startNc(['--recv-only', '127.0.0.1', String(quiet)], 10_000);
    recvOnly.child.stdin?.write('not sent\n');
    expect(await recvOnly.exited()).toBe(0);
    expect(recvOnly.stdout().toString()).toBe('done\n');
  });

  it('--linger bounds the wait for a server that never closes after our FIN; --idle-timeout ends a silent session with exit 1', async () => {
    const port = await serve((socket) => {
      socket.write('hi\n'); // and never ends
    });
    const nc = startNc(['--linger', '0.3', '127.0.0.1', String(port)], 10_000);
    nc.child.stdin?.end();
    expect(await nc.exited()).toBe(0);
    expect(nc.stdout().toString()).toBe('hi\n');
    const idle = startNc(['--idle-timeout', '0.3', '127.0.0.1', String(port)], 10_000);
    expect(await idle.exited()).toBe(1);
  });

  it('moves 100 MiB from a client to a listener intact (sha256 of both ends)', async () => {
    const listener = startNc(['-v', '-l', '0'], 60_000, 'ignore');
    const [, port] = await listener.waitForStderr(/[Ll]istening on 127\.0\.0\.1[: ](\d+)/);
    const client = startNc(['127.0.0.1', port ?? ''], 60_000);
    const sent = createHash('sha256');
    const block = randomBytes(1 << 20);
    for (let i = 0; i < 100; i++) {
      const chunk = Buffer.from(block);
      chunk.writeUInt32BE(i, 0); // every MiB differs
      sent.update(chunk);
      if (client.child.stdin?.write(chunk) === false) await once(client.child.stdin, 'drain');
    }
    client.child.stdin?.end();
    expect(await client.exited()).toBe(0);
    expect(await listener.exited()).toBe(0);
    const got = listener.stdout();
    expect(got.length).toBe(100 << 20);
    expect(createHash('sha256').update(got).digest('hex')).toBe(sent.digest('hex'));
  });
});
