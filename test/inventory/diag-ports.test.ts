import net from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSockets } from '../../src/index.js';
import { AF_INET, IPPROTO, inetDiagRequest, tcpStateMask } from '../../src/inventory/linux/diag-request.js';
import { nativeAddon } from '../../src/inventory/linux/native.js';
import { parseInetDiag } from '../../src/inventory/linux/parse-diag.js';

const addon = nativeAddon();

// Three loopback listeners, each with one accepted connection: the kernel's port filter (sock_diag
// bytecode, `sport = :A or sport = :C`) must keep the sockets of A and C and drop those of B.
describe.skipIf(addon === undefined)('sock_diag filtered by several local ports', () => {
  const servers: net.Server[] = [];
  const clients: net.Socket[] = [];
  const ports: number[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const server = net.createServer((s) => clients.push(s)).listen(0, '127.0.0.1');
      await once(server, 'listening');
      servers.push(server);
      const port = (server.address() as net.AddressInfo).port;
      ports.push(port);
      const client = net.connect(port, '127.0.0.1');
      clients.push(client);
      await once(client, 'connect');
    }
  });
  afterAll(() => {
    for (const c of clients) c.destroy();
    for (const s of servers) s.close();
  });

  it('the kernel returns only the sockets bound to the requested ports', () => {
    const [a = 0, b = 0, c = 0] = ports;
    const states = tcpStateMask(['LISTEN', 'ESTABLISHED']);
    const [reply] = addon?.sockDiag(null, [inetDiagRequest(AF_INET, IPPROTO.tcp, states, [a, c])]) ?? [];
    expect(reply).toBeInstanceOf(Buffer);
    const { sockets } = parseInetDiag(reply as Buffer, { protocol: 'tcp', family: 'inet' }, 0);
    const local = sockets.map((s) => `${s.state} ${String(s.local.port)}`).sort();
    expect(local).toEqual(
      [`ESTABLISHED ${String(a)}`, `ESTABLISHED ${String(c)}`, `LISTEN ${String(a)}`, `LISTEN ${String(c)}`].sort(),
    );
    expect(sockets.some((s) => s.local.port === b)).toBe(false);
  });

  it('listSockets with an `or` of local ports lists both, as ss does', async () => {
    const [a = 0, , c = 0] = ports;
    const { sockets } = await listSockets({
      protocols: ['tcp'],
      owners: false,
      netns: 'host',
      filter: `state established ( sport = :${String(a)} or sport = :${String(c)} )`,
    });
    expect(sockets.map((s) => s.local.port).sort()).toEqual([a, c].sort());
  });
});
