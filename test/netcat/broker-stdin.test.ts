import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, startNc, type Running } from '../helpers/nc.js';

// `--broker` / `--chat` with the listener's own stdin, as ncat's broker (ncat_listen.c,
// read_and_broadcast): stdin goes to every client, read only while one is connected; its end
// sends nothing; what clients send is relayed among them, never written to stdout.

afterEach(() => {
  killAll();
});

async function listening(args: readonly string[]): Promise<{ nc: Running; port: number }> {
  const nc = startNc(['-v', '-l', ...args], 30_000);
  const [, port = '0'] = await nc.waitForStderr(/[Ll]istening on 127\.0\.0\.1[: ](\d+)/);
  return { nc, port: Number(port) };
}

/** A client socket and everything it has received so far. */
async function client(port: number): Promise<{ socket: Socket; got: () => string; ended: () => boolean }> {
  const socket = connect(port, '127.0.0.1');
  let got = '';
  let ended = false;
  socket.on('data', (c: Buffer) => (got += c.toString('latin1')));
  socket.on('end', () => (ended = true));
  await once(socket, 'connect');
  return { socket, got: () => got, ended: () => ended };
}

/** Waits (at most 10 s) until `got()` holds `text`; returns what it holds then. */
async function receive(got: () => string, text: string): Promise<string> {
  for (let i = 0; i < 500 && !got().includes(text); i++) await new Promise((r) => setTimeout(r, 20));
  return got();
}

/**
 * Waits (at most 10 s) until the listener `pid` holds no connection of `port` (ESTABLISHED or
 * CLOSE_WAIT), read from its /proc/PID/net/tcp: it has closed the clients' sockets.
 */
async function noClients(pid: number, port: number): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (let i = 0; i < 500; i++) {
    const lines = readFileSync(`/proc/${String(pid)}/net/tcp`, 'utf8')
      .split('\n')
      .slice(1);
    if (!lines.some((l) => l.trim().split(/\s+/)[1]?.endsWith(hex) && /^0[18]$/.test(l.trim().split(/\s+/)[3] ?? '')))
      return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the listener still holds a connection of ${String(port)}`);
}

describe('portscope nc -l --broker with its stdin', () => {
  it('sends stdin to every client, read only while one is connected; its end sends nothing; no client data on stdout', async () => {
    const { nc, port } = await listening(['--broker', '0']);
    nc.child.stdin?.write('early\n');
    const c1 = await client(port);
    expect(await receive(c1.got, 'early\n')).toBe('early\n');
    c1.socket.destroy();
    await noClients(nc.child.pid ?? 0, port);
    // Give the listener time to see the close: a stdin still read would send this to nobody.
    await new Promise((r) => setTimeout(r, 300));
    nc.child.stdin?.write('between\n');
    await new Promise((r) => setTimeout(r, 300));
    const c2 = await client(port);
    expect(await receive(c2.got, 'between\n')).toBe('between\n');
    const c3 = await client(port);
    await nc.waitForStderr(/(connection from[^\n]*\n[^\n]*){3}/i);
    nc.child.stdin?.write('to both\n');
    expect(await receive(c2.got, 'to both\n')).toBe('between\nto both\n');
    expect(await receive(c3.got, 'to both\n')).toBe('to both\n');
    nc.child.stdin?.end();
    c2.socket.write('from c2\n');
    expect(await receive(c3.got, 'from c2\n')).toBe('to both\nfrom c2\n');
    expect(c2.ended()).toBe(false);
    expect(c3.ended()).toBe(false);
    expect(nc.stdout().toString()).toBe('');
    c2.socket.destroy();
    c3.socket.destroy();
    nc.child.kill('SIGTERM');
  });

  it('--chat -C: stdin lines go out as <user0>, with CRLF', async () => {
    const { nc, port } = await listening(['--chat', '-C', '0']);
    const c1 = await client(port);
    await nc.waitForStderr(/connection from/i);
    nc.child.stdin?.write('hello\nhalf');
    // The client is told of its own arrival first, as ncat tells it.
    const joined = '<announce> 127.0.0.1 is connected as <user1>.\n<announce> already connected: nobody.\n';
    expect(await receive(c1.got, 'hello')).toBe(`${joined}<user0> hello\r\n`);
    nc.child.stdin?.end(' line');
    expect(await receive(c1.got, 'half line')).toBe(`${joined}<user0> hello\r\n<user0> half line\n`);
    c1.socket.destroy();
    nc.child.kill('SIGTERM');
  });
});
