import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, readKernelPortSettings } from '../../src/index.js';
import { cli } from '../helpers/cli.js';

function listen(port: number, host: string, ipv6Only = false): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen({ port, host, ipv6Only }, () => {
      resolve(server);
    });
  });
}

const address = (s: Server) => (s.address() as { port: number }).port;

let v6only: Server;
let loop4: Server;
beforeAll(async () => {
  // get-port's classic mistake: an IPv6-only listener makes the port busy for a dual-stack bind.
  v6only = await listen(0, '::1', true);
  loop4 = await listen(0, '127.0.0.1');
});
afterAll(() => {
  v6only.close();
  loop4.close();
});

describe('findFreePort', () => {
  it('skips a port held only by an IPv6-only listener, unless the host is another IPv4 address', async () => {
    const busy = address(v6only);
    const ports = await findFreePort({ ports: [busy], range: { from: 20000, to: 20100 } });
    expect(ports).toHaveLength(1);
    expect(ports[0]).not.toBe(busy);
    expect(await findFreePort({ ports: [busy], host: '127.0.0.1' })).toEqual([busy]);
  });

  it('treats an IPv4 loopback listener as a conflict for 127.0.0.1 and for every address, not for ::1', async () => {
    const busy = address(loop4);
    expect(await findFreePort({ ports: [busy], range: { from: 20000, to: 20100 } })).not.toContain(busy);
    expect(await findFreePort({ ports: [busy], host: '127.0.0.1', range: { from: 20000, to: 20100 } })).not.toContain(
      busy,
    );
    expect(await findFreePort({ ports: [busy], host: '::1' })).toEqual([busy]);
  });

  it('gives distinct ports that can really be bound, outside the ephemeral range and the exclusions', async () => {
    const { ephemeral } = readKernelPortSettings();
    const ports = await findFreePort({ count: 5, range: { from: 20000, to: 20100 }, exclude: [20000, 20001] });
    expect(new Set(ports).size).toBe(5);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(20002);
      expect(p).toBeLessThanOrEqual(20100);
      expect(p < ephemeral.from || p > ephemeral.to).toBe(true);
      const server = await listen(p, '::');
      server.close();
    }
    const udp = await findFreePort({ protocol: 'udp', range: { from: 20000, to: 20100 } });
    expect(udp).toHaveLength(1);
  });

  it('throws NOT_FOUND when the range has too few, and INVALID_ARGUMENT for bad options', async () => {
    const busy = address(loop4);
    await expect(findFreePort({ range: { from: busy, to: busy }, includeEphemeral: true })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(findFreePort({ count: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(findFreePort({ host: 'example.com' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(findFreePort({ range: { from: 5000, to: 4000 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('portscope free', () => {
  it('prints ports one per line, or JSON', async () => {
    const text = await cli(['free', '--count', '3', '--range', '20000-20100']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^(\d+\n){3}$/);
    const json = await cli(['free', '--json', '--port', String(address(loop4)), '--host', '::1']);
    expect(JSON.parse(json.stdout)).toEqual([address(loop4)]);
  });

  it('rejects bad input with one line that names it, and exit 2', async () => {
    for (const args of [
      ['--format', 'csv'],
      ['--range', '10-5'],
      ['--range', 'x'],
      ['--count', 'two'],
      ['--port', '80,nosuchservice'],
    ]) {
      const r = await cli(['free', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^portscope: Expected .*\n$/);
      expect(r.stderr).toContain(`\`${args[1] ?? ''}\``);
    }
  });
});
