import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosePort } from '../../src/index.js';

const servers: Server[] = [];
let port: number;

async function listen(host: string, wanted: number): Promise<number> {
  const server = createServer();
  servers.push(server);
  server.listen(wanted, host);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

// Two listeners on one port, on two loopback addresses: each is evidence for its own address only.
beforeAll(async () => {
  port = await listen('127.0.0.1', 0);
  await listen('127.0.0.2', port);
});
afterAll(() => {
  for (const server of servers) server.close();
});

describe('doctor PORT --host ADDR cites only evidence about ADDR', () => {
  it.each([
    ['127.0.0.2', '127.0.0.1'],
    ['127.0.0.1', '127.0.0.2'],
  ])('--host %s: the connect and the bind name its listener, never the one on %s', async (host, other) => {
    const diagnosis = await diagnosePort(port, { host, firewall: false });
    const connect = diagnosis.findings.find((f) => f.id === 'connect');
    expect(connect?.status).toBe('ok');
    expect(connect?.evidence).toEqual([expect.stringContaining(`LISTEN ${host}:${String(port)} `)]);
    const inUse = diagnosis.findings.find((f) => f.id === 'address-in-use');
    expect(inUse?.evidence).toEqual([expect.stringContaining(`LISTEN ${host}:${String(port)} `)]);
    const evidence = diagnosis.findings.flatMap((f) => f.evidence).join('\n');
    expect(evidence).not.toContain(`${other}:${String(port)}`);
  });
});
