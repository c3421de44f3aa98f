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
});
