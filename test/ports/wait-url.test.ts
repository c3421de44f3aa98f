import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWaitTarget, waitForPort } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { closeLoopbackServers, serveLoopback } from '../helpers/loopback.js';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';
import { hasTool } from '../helpers/system.js';

const hasOpenssl = hasTool('openssl', 'wait on an https:// URL');

const servers: HttpServer[] = [];
let certs: TestCerts;

/** An HTTP(S) server on 127.0.0.1, port 0, that answers every request with `status`. */
async function serveStatus(status: number, tls = false): Promise<number> {
  const handler = (_req: unknown, res: { statusCode: number; end(): void }) => {
    res.statusCode = status;
    res.end();
  };
  const server = tls
    ? createHttpsServer({ cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) }, handler)
    : createHttpServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

beforeAll(() => {
  if (hasOpenssl) certs = makeTestCerts();
});
afterAll(() => {
  for (const server of servers) server.close();
  closeLoopbackServers();
  if (hasOpenssl) certs.remove();
});

describe("wait-on's target forms", () => {
  it.each([
    ['tcp:localhost:3000', { kind: 'tcp', text: 'tcp:localhost:3000', host: 'localhost', port: 3000 }],
    ['tcp:3000', { kind: 'tcp', text: 'tcp:3000', port: 3000 }],
    ['tcp:[::1]:22', { kind: 'tcp', text: 'tcp:[::1]:22', host: '::1', port: 22 }],
    [
      'http://127.0.0.1:8080/health?x=1',
      { kind: 'tcp', host: '127.0.0.1', port: 8080, url: 'http://127.0.0.1:8080/health?x=1' },
    ],
    ['https://LocalHost/', { kind: 'tcp', host: 'localhost', port: 443, url: 'https://localhost/' }],
    ['http://[::1]/', { kind: 'tcp', host: '::1', port: 80, url: 'http://[::1]/' }],
  ])('parses %s', (text, expected) => {
    expect(parseWaitTarget(text)).toMatchObject(expected);
  });

  it('is ready when an http:// URL gets any response status, and says which', async () => {
    const port = await serveStatus(404);
    const [result] = await waitForPort(`http://127.0.0.1:${String(port)}/missing`, { timeoutMs: 5000 });
    expect(result).toMatchObject({ until: 'open', address: '127.0.0.1', status: 404 });
  });

  it.skipIf(!hasOpenssl)('is ready when an https:// URL answers, with a certificate it does not check', async () => {
    const port = await serveStatus(503, true);
    const [result] = await waitForPort(`https://localhost:${String(port)}/`, { timeoutMs: 5000 });
    expect(result).toMatchObject({ address: '127.0.0.1', status: 503 });
  });

  it('is not ready while the port accepts but no HTTP response comes', async () => {
    const { port } = await serveLoopback();
    const error = await waitForPort(`http://127.0.0.1:${String(port)}/`, {
      timeoutMs: 600,
      connectTimeoutMs: 200,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    expect((error as Error).message).toContain('127.0.0.1 timeout');
    const [tcp] = await waitForPort(`tcp:127.0.0.1:${String(port)}`, { timeoutMs: 5000 });
    expect(tcp).toMatchObject({ target: `tcp:127.0.0.1:${String(port)}`, address: '127.0.0.1' });
  });

  it('prints the status in the CLI', async () => {
    const port = await serveStatus(204);
    const { code, stdout } = await cli(['wait', `http://127.0.0.1:${String(port)}/`]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${String(port)}/ is open \\(127\\.0\\.0\\.1 answered 204, `),
    );
  });
});
