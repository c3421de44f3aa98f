import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, isPortFree } from '../../src/index.js';
import { cli } from '../helpers/cli.js';

let busy: number;
let server: Server;
const host = '127.0.0.1';

// A listener outside the ephemeral range, where ports do not come and go with other programs' connections.
beforeAll(async () => {
  [busy = 0] = await findFreePort({ host, range: { from: 20000, to: 30000 } });
  server = createServer().listen(busy, host);
  await once(server, 'listening');
});
afterAll(() => {
  server.close();
});

/** True when no port in [from, to) is free on 127.0.0.1 now. */
async function noneFreeBetween(from: number, to: number): Promise<boolean> {
  for (let p = from; p < to; p++) if (await isPortFree(p, { host })) return false;
  return true;
}

describe('free --after N and an ordered search', () => {
  it('after: N gives the lowest free ports above N, skipping a held one', async () => {
    const ports = await findFreePort({ after: busy - 1, count: 2, host });
    expect(ports[0]).toBeGreaterThan(busy);
    expect(ports[0]).toBeLessThan(busy + 100);
    expect(ports[1]).toBeGreaterThan(ports[0] ?? 0);
    expect(await noneFreeBetween(busy, ports[0] ?? 0)).toBe(true);
  });

  it("order: 'ascending' searches a range from its start", async () => {
    const from = busy;
    const ports = await findFreePort({
      range: { from, to: from + 40 },
      order: 'ascending',
      count: 3,
      host,
      includeEphemeral: true,
    });
    expect(ports).toEqual([...ports].sort((a, b) => a - b));
    expect(await noneFreeBetween(from, ports[0] ?? 0)).toBe(true);
  });

  it('the CLI takes --after and --order, and refuses a bad order', async () => {
    const { code, stdout } = await cli(['free', '--after', String(busy - 1), '--host', host]);
    expect(code).toBe(0);
    const port = Number(stdout.trim());
    expect(port).toBeGreaterThan(busy);
    expect(await noneFreeBetween(busy, port)).toBe(true);
    const ordered = await cli([
      'free',
      '--range',
      `${String(busy)}-${String(busy + 40)}`,
      '--order',
      'ascending',
      '--host',
      host,
      '--include-ephemeral',
    ]);
    expect(Number(ordered.stdout.trim())).toBe(port);
    const bad = await cli(['free', '--order', 'sideways']);
    expect(bad).toMatchObject({
      code: 2,
      stderr: 'portscope: Expected --order to be random or ascending, got `sideways`\n',
    });
  });
});
