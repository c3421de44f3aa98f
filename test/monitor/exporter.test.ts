import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseListen } from '../../src/cli/commands/exporter.js';
import { startExporter, type ExporterHandle } from '../../src/monitor/index.js';
import { cli } from '../helpers/cli.js';
import { hasTool, asRoot } from '../helpers/system.js';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';

const dir = mkdtempSync(join(tmpdir(), 'portscope-exporter-test-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a web config file and returns its path. */
function webConfig(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('parseListen', () => {
  it.each([
    ['127.0.0.1:9096', { host: '127.0.0.1', port: 9096 }],
    ['[::1]:0', { host: '::1', port: 0 }],
    [':9096', { host: '::', port: 9096 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
  ])('%s', (text, expected) => {
    expect(parseListen(text)).toEqual(expected);
  });
  it.each(['9096', '127.0.0.1:70000', '[nothost]:1', '::1:80', '127.0.0.1:'])('refuses %s', (text) => {
    expect(() => parseListen(text)).toThrow(/Expected --listen to be HOST:PORT/);
  });
});

describe.skipIf(!asRoot('the exporter on loopback'))('startExporter over HTTP', () => {
  it('serves /metrics, 404 elsewhere, 405 for POST', async () => {
    const exporter = await startExporter({ port: 0, minIntervalMs: 0, netns: 'host' });
    try {
      const response = await fetch(exporter.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(await response.text()).toMatch(/^portscope_up 1$/m);
      expect((await fetch(exporter.url.replace('/metrics', '/nothing'))).status).toBe(404);
      expect((await fetch(exporter.url, { method: 'POST' })).status).toBe(405);
    } finally {
      await exporter.close();
    }
  });

  it('answers from its last collection within --min-interval, collects again after', async () => {
    const cached = await startExporter({ port: 0, minIntervalMs: 600_000, netns: 'host' });
    const fresh = await startExporter({ port: 0, minIntervalMs: 0, netns: 'host' });
    const server = createServer();
    try {
      const before = await (await fetch(cached.url)).text();
      server.listen(0, '127.0.0.1');
      await new Promise((done) => server.once('listening', done));
      const { port } = server.address() as { port: number };
      const wanted = new RegExp(`^portscope_listener_info\\{[^}]*port="${String(port)}"`, 'm');
      expect(before).not.toMatch(wanted);
      expect(await (await fetch(cached.url)).text()).toBe(before);
      expect(await (await fetch(fresh.url)).text()).toMatch(wanted);
    } finally {
      server.close();
      await cached.close();
      await fresh.close();
    }
  });

  it('publishes a failed collection as portscope_up 0 and tells onCollectError once', async () => {
    const errors: unknown[] = [];
    const exporter = await startExporter({
      port: 0,
      minIntervalMs: 600_000,
      netns: `no-such-netns-${String(process.pid)}`,
      onCollectError: (error) => errors.push(error),
    });
    try {
      for (let i = 0; i < 2; i++) {
        const text = await (await fetch(exporter.url)).text();
        expect(text).toMatch(/^portscope_up 0$/m);
        expect(text).not.toMatch(/portscope_listener_info\{/);
      }
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await exporter.close();
    }
  });

  it('says which port is taken', async () => {
    const exporter = await startExporter({ port: 0, netns: 'host' });
    try {
      await expect(startExporter({ port: exporter.port })).rejects.toMatchObject({
        code: 'PORT_IN_USE',
        message: `Cannot listen on 127.0.0.1:${String(exporter.port)}: the port is in use`,
      });
    } finally {
      await exporter.close();
    }
  });
});

describe.skipIf(!asRoot('the exporter with TLS') || !hasTool('openssl', 'the exporter with TLS'))(
  'startExporter with --web.config.file (TLS, basic auth)',
  () => {
    let certs: TestCerts;
    let exporter: ExporterHandle;
    beforeAll(async () => {
      certs = makeTestCerts();
      const hash = bcrypt.hashSync('s3cret', 4).replace(/^\$2b\$/, '$2y$');
      const file = webConfig(
        'web.yml',
        `tls_server_config:\n  cert_file: ${certs.serverCert}\n  key_file: ${certs.serverKey}\n` +
          `basic_auth_users:\n  prometheus: ${hash}\n`,
      );
      exporter = await startExporter({ port: 0, minIntervalMs: 0, netns: 'host', webConfigFile: file });
    });
    afterAll(async () => {
      await exporter.close();
      certs.remove();
    });

    /** GET over TLS, trusting the test CA, with basic auth when given. */
    const get = (auth?: string) =>
      new Promise<{ status: number; body: string; challenge: string | undefined }>((resolve, reject) => {
        const headers = auth === undefined ? {} : { authorization: `Basic ${Buffer.from(auth).toString('base64')}` };
        const req = httpsRequest(exporter.url, { ca: readFileSync(certs.caCert), headers }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body, challenge: res.headers['www-authenticate'] });
          });
        });
        req.on('error', reject);
        req.end();
      });

    it('serves https with the right password', async () => {
      expect(exporter.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const { status, body } = await get('prometheus:s3cret');
      expect(status).toBe(200);
      expect(body).toMatch(/^portscope_up 1$/m);
    });

    it.each([['prometheus:wrong'], ['nobody:s3cret'], [undefined]])('refuses %s with 401', async (auth) => {
      const { status, body, challenge } = await get(auth);
      expect(status).toBe(401);
      expect(challenge).toBe('Basic realm="portscope"');
      expect(body).not.toMatch(/portscope_up/);
    });

    it('refuses plain HTTP', async () => {
      await expect(fetch(exporter.url.replace('https:', 'http:'))).rejects.toThrow();
    });
  },
);

describe('portscope exporter: bad input is one line and exit 2', () => {
  const hash = '$2y$10$XrU/7v0P4XVeAg3J1VJSwuDOIsNAWkzM8cf6ds/yw49IKuE9RrJ8K';
  it.each([
    ['missing.yml', undefined, /^portscope: Invalid web config `.*missing\.yml`: cannot read it \(ENOENT\)\n$/],
    ['syntax.yml', 'tls_server_config: [', /: not YAML: /],
    ['unknown.yml', 'http_server_config:\n  http2: false\n', /unsupported key `http_server_config`/],
    ['plain.yml', 'basic_auth_users:\n  admin: hunter2\n', /expected the password of `admin` to be a bcrypt hash/],
    [
      'nokey.yml',
      `tls_server_config:\n  cert_file: none.pem\n  key_file: none.key\n`,
      /cannot read cert_file `.*none\.pem`/,
    ],
    [
      'tlsver.yml',
      `tls_server_config:\n  min_version: TLS10\n`,
      /expected `min_version` to be TLS12 or TLS13, got `"TLS10"`/,
    ],
    ['cipher.yml', `tls_server_config:\n  cipher_suites: [x]\n`, /unsupported key `tls_server_config.cipher_suites`/],
    ['ok-users.yml', `basic_auth_users:\n  admin: ${hash}\nextra: 1\n`, /unsupported key `extra`/],
  ])('%s', async (name, text, message) => {
    const file = text === undefined ? join(dir, name) : webConfig(name, text);
    const result = await cli(['exporter', '--listen', '127.0.0.1:0', '--web.config.file', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });

  it.each([
    [['--listen', 'localhost'], /Expected --listen to be HOST:PORT/],
    [['--min-interval', 'soon'], /Expected --min-interval to be a duration/],
    [['--textfile', join(dir, 'nowhere')], /Expected `.*nowhere` to be a directory/],
    // Serving options with --textfile would be ignored: refused, naming them.
    [
      ['--textfile', dir, '--listen', '127.0.0.1:1', '--min-interval', '1s'],
      /^portscope: Expected --textfile without --listen, --min-interval: it serves nothing$/m,
    ],
  ])('%j', async (args, message) => {
    const result = await cli(['exporter', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe.skipIf(!asRoot('exporter --textfile'))('portscope exporter --textfile', () => {
  it('writes portscope.prom whole, leaves no temporary file, and exits 0', async () => {
    const out = mkdtempSync(join(dir, 'textfile-'));
    writeFileSync(join(out, 'portscope.prom'), 'old\n');
    const result = await cli(['exporter', '--textfile', out, '--netns', 'host']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`portscope: wrote ${join(out, 'portscope.prom')}\n`);
    expect(readdirSync(out)).toEqual(['portscope.prom']);
    const text = readFileSync(join(out, 'portscope.prom'), 'utf8');
    expect(text).toMatch(/^portscope_up 1$/m);
    if (hasTool('promtool', 'promtool on the textfile')) {
      expect(() => execFileSync('promtool', ['check', 'metrics'], { input: text, stdio: 'pipe' })).not.toThrow();
    }
    expect(existsSync(join(out, 'portscope.prom'))).toBe(true);
  });
});
