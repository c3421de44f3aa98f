import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/index.js';
import { closeLoopbackServers, serveLoopback } from '../helpers/loopback.js';
import { killAll, startNc } from '../helpers/nc.js';

// Options that were accepted and then had no effect (issue 17): each now acts, or is refused.

afterEach(() => {
  killAll();
  closeLoopbackServers();
});

describe('portscope nc: options that must act or be refused', () => {
  it('-s and -p apply to the connection to the --proxy (the proxy sees that address and port)', async () => {
    const seen: string[] = [];
    // A minimal HTTP CONNECT proxy: notes where the client comes from, accepts, echoes.
    const { port: proxyPort } = await serveLoopback((socket) => {
      seen.push(`${socket.remoteAddress ?? ''}:${String(socket.remotePort)}`);
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
        socket.on('data', (c: Buffer) => socket.write(c));
        socket.on('end', () => socket.end());
      });
    });
    const [sourcePort] = await findFreePort({ host: '127.0.0.2' });
    const nc = startNc(
      ['-s', '127.0.0.2', '-p', String(sourcePort), '--proxy', `http://127.0.0.1:${String(proxyPort)}`, 'h', '1'],
      10_000,
    );
    nc.child.stdin?.end('through\n');
    expect(await nc.exited()).toBe(0);
    expect(nc.stdout().toString()).toBe('through\n');
    expect(seen).toEqual([`127.0.0.2:${String(sourcePort)}`]);
  });

  it('a client reset by a --max-conns listener exits 3 every time (it was 1 or 3 by timing)', async () => {
    const listener = startNc(['-v', '-k', '-m', '1', '-l', '0'], 20_000);
    const [, port = ''] = await listener.waitForStderr(/[Ll]istening on 127\.0\.0\.1[: ](\d+)/);
    const holder = connect(Number(port), '127.0.0.1');
    await once(holder, 'connect');
    await listener.waitForStderr(/connection from/);
    const clients = Array.from({ length: 4 }, () => startNc(['127.0.0.1', port], 10_000));
    expect(await Promise.all(clients.map((c) => c.exited()))).toEqual([3, 3, 3, 3]);
    for (const c of clients) expect(c.stderr()).toMatch(/reset/);
    holder.destroy();
  });

  it('-z -u calls a UDP listener that connects to its first peer (as ncat and nc.openbsd do) open|filtered, not closed', async () => {
    // After the first probe this socket only takes datagrams from that probe's port; the kernel
    // answers any other source port with ICMP port-unreachable. A retry from a new port read that as `closed`.
    const listener = createSocket('udp4');
    const seen: number[] = [];
    listener.on('message', (_data, peer) => {
      seen.push(peer.port);
      if (seen.length === 1) listener.connect(peer.port, peer.address);
    });
    listener.bind(0, '127.0.0.1');
    await once(listener, 'listening');
    try {
      const port = String(listener.address().port);
      const nc = startNc(['-z', '-u', '127.0.0.1', port], 30_000);
      expect(await nc.exited()).toBe(1);
      expect(nc.stdout().toString()).toBe(`127.0.0.1:${port}/udp open|filtered\n`);
      // Every probe it got came from the one source port it connected to.
      expect(seen.length).toBeGreaterThan(1);
      expect(new Set(seen).size).toBe(1);
    } finally {
      listener.close();
    }
  });

  it("-z -u gives a silent port open|filtered, with the scanner's timing and with a fixed -w", async () => {
    const silent = createSocket('udp4');
    silent.bind(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const nc = startNc(['-z', '-u', '127.0.0.1', String(silent.address().port)], 30_000);
      expect(await nc.exited()).toBe(1);
      expect(nc.stdout().toString()).toBe(`127.0.0.1:${String(silent.address().port)}/udp open|filtered\n`);
      const fixed = startNc(['-z', '-u', '-w', '1', '127.0.0.1', String(silent.address().port)], 30_000);
      expect(await fixed.exited()).toBe(1);
      expect(fixed.stdout().toString()).toBe(`127.0.0.1:${String(silent.address().port)}/udp open|filtered\n`);
    } finally {
      silent.close();
    }
  });
});
