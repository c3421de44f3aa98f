import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort, whoOwns } from '../../src/index.js';
import { closeLoopbackServers, serveLoopback } from '../helpers/loopback.js';
import { killAll, startNc, startProcess, type Running } from '../helpers/nc.js';
import { hasTool } from '../helpers/system.js';

afterEach(() => {
  killAll();
  closeLoopbackServers();
});

async function listening(args: readonly string[]): Promise<{ nc: Running; port: number }> {
  const nc = startNc(['-v', '-l', ...args], 30_000);
  const [, port = '0'] = await nc.waitForStderr(/[Ll]istening on 127\.0\.0\.1[: ](\d+)/);
  return { nc, port: Number(port) };
}

/** Connects, sends `text` and FIN, resolves with everything received (or the error code). */
function talk(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.on('data', (c: Buffer) => {
      got += c.toString();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      resolve(`error ${e.code ?? ''}`);
    });
    socket.on('close', () => {
      resolve(got);
    });
    socket.end(text);
  });
}

/** Waits (at most 10 s) until something listens on 127.0.0.1:port. */
async function listeningOn(port: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await whoOwns(`127.0.0.1:${String(port)}/tcp`)).sockets.some((s) => s.state === 'LISTEN')) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nothing listens on ${String(port)}`);
}

/**
 * Sends a line through nc and keeps stdin open until the echo is back: small proxies such as
 * microsocks close both ways at the first FIN, so a FIN sent with the line could cut the echo off.
 */
async function echoThrough(nc: Running, line: string): Promise<void> {
  nc.child.stdin?.write(line);
  for (let i = 0; i < 500 && nc.stdout().length < line.length && nc.child.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  nc.child.stdin?.end();
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

async function echoServer(): Promise<number> {
  const { port } = await serveLoopback((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  return port;
}

describe('portscope nc --listen', () => {
  it('serves 200 concurrent clients with --keep-open, every line to stdout', async () => {
    const { nc, port } = await listening(['-k', '0']);
    const sockets: Socket[] = [];
    for (let i = 0; i < 200; i++) sockets.push(connect(port, '127.0.0.1'));
    await Promise.all(sockets.map((s) => once(s, 'connect')));
    await Promise.all(
      sockets.map(
        (s, i) =>
          new Promise<void>((resolve) => {
            s.end(`client ${String(i)}\n`, resolve);
          }),
      ),
    );
    for (let i = 0; i < 500 && nc.stdout().toString().split('\n').length < 201; i++)
      await new Promise((r) => setTimeout(r, 20));
    const lines = nc.stdout().toString().trim().split('\n').sort();
    expect(lines).toEqual(Array.from({ length: 200 }, (_, i) => `client ${String(i)}`).sort());
    nc.child.kill('SIGTERM');
  });

  it('-k: what stdin held before the first client (echo greeting | nc -lk) reaches it, though it sent FIN at once', async () => {
    const { nc, port } = await listening(['-k', '0']);
    nc.child.stdin?.end('greeting\n');
    await new Promise((r) => setTimeout(r, 200)); // stdin has ended before anyone connects
    expect(await talk(port, '')).toBe('greeting\n');
    // A later client gets FIN at once: stdin has ended.
    expect(await talk(port, '')).toBe('');
  });

  it('a closed stderr does not stop a -v listener, and a usage error still exits 2 (EPIPE on stderr)', async () => {
    const { nc, port } = await listening(['-k', '0']);
    nc.child.stdin?.end(); // so that each client's FIN is answered at once
    nc.child.stderr?.destroy(); // the next log line ("connection from") meets EPIPE
    expect(await talk(port, 'one\n')).toBe('');
    expect(await talk(port, 'two\n')).toBe('');
    for (let i = 0; i < 250 && !nc.stdout().toString().includes('two'); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(nc.stdout().toString()).toBe('one\ntwo\n');
    expect(nc.child.exitCode).toBeNull();

    const bad = startNc(['-l', '--baffle']);
    bad.child.stderr?.destroy();
    expect(await bad.exited()).toBe(2);
  });

  it('-4/-6 hold for the listen address and for literal addresses (refused with exit 2 when they differ)', async () => {
    for (const args of [
      ['-4', '-l', '::1', '0'],
      ['-6', '-l', '127.0.0.1', '0'],
      ['-u', '-6', '-l', '127.0.0.1', '0'],
      ['-6', '127.0.0.1', '9'],
      ['-u', '-6', '127.0.0.1', '9'],
    ]) {
      const nc = startNc(args, 10_000);
      expect({ args, exit: await nc.exited() }).toEqual({ args, exit: 2 });
      expect(nc.stderr()).toMatch(/^portscope: Expected an IPv[46] address with -[46]/);
    }
    const v4 = startNc(['-v', '-4', '-l', 'localhost', '0'], 10_000);
    await v4.waitForStderr(/listening on 127\.0\.0\.1:\d+ \(tcp\)/);
    // localhost in IPv6: [::1] where /etc/hosts has it, else exit 2 naming IPv6; never 127.0.0.1.
    const v6 = startNc(['-v', '-u', '-6', '-l', 'localhost', '0'], 10_000);
    await expect(v6.waitForStderr(/listening on \[::1\]:\d+ \(udp\)|to an IPv6 address/)).resolves.toBeTruthy();
    expect(v6.stderr()).not.toMatch(/127\.0\.0\.1/);
  });

  it('resets a peer outside --allow, and logs it', async () => {
    const { nc } = await listening(['-k', '--allow', '10.0.0.0/8', '0']).then(async (l) => {
      expect(await talk(l.port, 'let me in\n')).toMatch(/^(error ECONNRESET|)$/);
      return l;
    });
    await nc.waitForStderr(/refused 127\.0\.0\.1:\d+ \(not in --allow\): reset/);
    expect(nc.stdout().length).toBe(0);
    nc.child.kill('SIGTERM');
  });

  it('refuses --exec on an address that is not loopback unless --allow is given (before binding)', async () => {
    const nc = startNc(['-l', '0.0.0.0', '0', '--exec', 'cat'], 10_000);
    expect(await nc.exited()).toBe(2);
    expect(nc.stderr()).toMatch(
      /^portscope: Expected --exec\/--shell to listen on loopback, got `0\.0\.0\.0`.*--allow CIDR/,
    );
  });

  it('--exec serves each client with a program (no shell) that answers after the client FIN; --shell gets the peer address', async () => {
    const { nc, port } = await listening(['-k', '0', '--exec', 'tr a-z A-Z']);
    expect(await Promise.all([talk(port, 'hello\n'), talk(port, 'world\n')])).toEqual(['HELLO\n', 'WORLD\n']);
    nc.child.kill('SIGTERM');
    const shell = await listening(['0', '--shell', 'echo "$PORTSCOPE_PEER_ADDR $NCAT_PROTO"']);
    expect(await talk(shell.port, '')).toBe('127.0.0.1 TCP\n');
  });

  it('--exec: a client that resets gets its program SIGTERMed', async () => {
    const { nc, port } = await listening(['-k', '0', '--shell', 'echo $$; exec sleep 30']);
    const client = connect(port, '127.0.0.1');
    client.on('error', () => undefined);
    const [line] = (await once(client, 'data')) as [Buffer];
    const pid = Number(line.toString().trim());
    expect(Number.isInteger(pid) && pid > 1).toBe(true);
    expect(existsSync(`/proc/${String(pid)}`)).toBe(true);
    client.resetAndDestroy();
    for (let i = 0; i < 250 && existsSync(`/proc/${String(pid)}`); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(`/proc/${String(pid)}`)).toBe(false);
    nc.child.kill('SIGTERM');
  });

  it('--broker relays between clients and drops one that never reads, so memory stays bounded', async () => {
    const { nc, port } = await listening(['--broker', '0']);
    const stalled = connect(port, '127.0.0.1');
    stalled.pause();
    const reader = connect(port, '127.0.0.1');
    let received = 0;
    reader.on('data', (c: Buffer) => (received += c.length));
    await Promise.all([once(stalled, 'connect'), once(reader, 'connect')]);
    await nc.waitForStderr(/connection from[^\n]*\n[^\n]*connection from/);
    const writer = connect(port, '127.0.0.1');
    await once(writer, 'connect');
    await nc.waitForStderr(/(connection from[^\n]*\n[^\n]*){3}/);
    const block = Buffer.alloc(1 << 20, 0x61);
    for (let i = 0; i < 40; i++) if (!writer.write(block)) await once(writer, 'drain');
    for (let i = 0; i < 500 && received < 40 << 20; i++) await new Promise((r) => setTimeout(r, 20));
    expect(received).toBe(40 << 20);
    await nc.waitForStderr(/dropped 127\.0\.0\.1:\d+: \d+ bytes unread/);
    expect(rssKiB(nc.child.pid ?? 0)).toBeLessThan(200 * 1024);
    for (const s of [stalled, reader, writer]) s.destroy();
    nc.child.kill('SIGTERM');
  });
});

describe('portscope nc through proxies', () => {
  it.skipIf(!hasTool('microsocks', 'nc through a SOCKS5 proxy'))(
    'connects through microsocks (SOCKS5, user and password), and says so when the password is wrong',
    async () => {
      const [proxyPort = 0] = await findFreePort({ host: '127.0.0.1' });
      const proxy = startProcess(
        'microsocks',
        ['-i', '127.0.0.1', '-p', String(proxyPort), '-u', 'user', '-P', 'secret'],
        20_000,
      );
      const target = await echoServer();
      await listeningOn(proxyPort);
      const nc = startNc(
        ['--proxy', `socks5://user:secret@127.0.0.1:${String(proxyPort)}`, 'localhost', String(target)],
        10_000,
      );
      await echoThrough(nc, 'through socks\n');
      expect(await nc.exited()).toBe(0);
      expect(nc.stdout().toString()).toBe('through socks\n');
      const wrong = startNc(
        ['--proxy', `socks5://user:nope@127.0.0.1:${String(proxyPort)}`, '127.0.0.1', String(target)],
        10_000,
      );
      wrong.child.stdin?.end();
      expect(await wrong.exited()).toBe(1);
      expect(wrong.stderr()).toMatch(
        /^portscope: Proxy 127\.0\.0\.1:\d+ refused: user name or password not accepted\n$/,
      );
      proxy.child.kill();
    },
  );

  it.skipIf(!hasTool('ncat', 'nc through an HTTP CONNECT proxy'))(
    'connects through ncat as an HTTP CONNECT proxy with basic auth',
    async () => {
      const [proxyPort = 0] = await findFreePort({ host: '127.0.0.1' });
      const proxy = startProcess(
        'ncat',
        ['-l', '127.0.0.1', String(proxyPort), '--proxy-type', 'http', '--proxy-auth', 'user:secret', '-k'],
        20_000,
      );
      const target = await echoServer();
      await listeningOn(proxyPort);
      const nc = startNc(
        ['--proxy', `http://user:secret@127.0.0.1:${String(proxyPort)}`, '127.0.0.1', String(target)],
        10_000,
      );
      await echoThrough(nc, 'through http\n');
      expect(await nc.exited()).toBe(0);
      expect(nc.stdout().toString()).toBe('through http\n');
      const denied = startNc(['--proxy', `http://127.0.0.1:${String(proxyPort)}`, '127.0.0.1', String(target)], 10_000);
      denied.child.stdin?.end();
      expect(await denied.exited()).toBe(1);
      expect(denied.stderr()).toMatch(/refused: 407/);
      proxy.child.kill();
    },
  );
});

describe('portscope nc -z', () => {
  it('tells open from closed, TCP and UDP, exit 0 when one is open', async () => {
    const open = await echoServer();
    const [closed = 0] = await findFreePort({ host: '127.0.0.1' });
    const nc = startNc(['-z', '127.0.0.1', `${String(open)},${String(closed)}`], 20_000);
    expect(await nc.exited()).toBe(0);
    expect(nc.stdout().toString().trim().split('\n').sort()).toEqual(
      [`127.0.0.1:${String(open)}/tcp open`, `127.0.0.1:${String(closed)}/tcp closed`].sort(),
    );
    const [udpClosed = 0] = await findFreePort({ host: '127.0.0.1', protocol: 'udp' });
    const udp = startNc(['-z', '-u', '127.0.0.1', String(udpClosed)], 20_000);
    expect(await udp.exited()).toBe(1);
    expect(udp.stdout().toString()).toBe(`127.0.0.1:${String(udpClosed)}/udp closed\n`);
  });
});
