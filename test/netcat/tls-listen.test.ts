import { createPrivateKey, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../src/netcat/index.js';
import { killAll, startNc, startProcess } from '../helpers/nc.js';
import { builtCliArgv } from '../helpers/system.js';

afterEach(() => {
  killAll();
});

describe('portscope nc --tls -l: the self-signed certificate', () => {
  it('is made in memory: P-256, one day, the SANs asked for, and it verifies itself', () => {
    const now = new Date('2026-01-02T03:04:05Z');
    const pair = selfSignedCertificate(['example.test', '10.1.2.3', '2001:db8::1'], now);
    const cert = new X509Certificate(pair.cert);
    expect(cert.subject).toBe('CN=localhost\nO=portscope nc (self-signed)');
    expect(cert.subjectAltName).toBe(
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:example.test, IP Address:10.1.2.3, IP Address:2001:DB8:0:0:0:0:0:1',
    );
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(new Date(cert.validTo).getTime() - now.getTime()).toBe(86_400_000);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(pair.key))).toBe(true);
  });

  it('works with /tmp read-only (a private mount namespace): no temporary file', async () => {
    const nc = builtCliArgv('nc', '--tls', '-v', '-l', '0')
      .map((a) => `'${a}'`)
      .join(' ');
    // The listener runs with /tmp bind-mounted read-only, seen only inside its own mount namespace.
    const script = `mount --bind /tmp /tmp && mount -o remount,bind,ro /tmp && ! touch /tmp/portscope-rw-$$ 2>/dev/null && echo hello | exec ${nc}`;
    const listener = startProcess('unshare', ['-m', 'sh', '-c', script], 20_000);
    const [, port = ''] = await listener.waitForStderr(/[Ll]istening on 127\.0\.0\.1[: ](\d+)/);
    const got = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: Number(port), rejectUnauthorized: false });
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('error', reject);
      socket.on('end', () => {
        socket.end();
        resolve(text);
      });
    });
    expect(got).toBe('hello\n');
    expect(await listener.exited()).toBe(0);
    expect(listener.stderr()).not.toMatch(/EROFS|Error/);
  });
});

describe('portscope nc --tls -l --max-conns', () => {
  it('frees the slot of a client that closed before its handshake at once, not after the 10 s handshake time-out', async () => {
    const listener = startNc(['--tls', '-v', '-k', '-m', '1', '-l', '0'], 20_000);
    const [, port = ''] = await listener.waitForStderr(/[Ll]istening on 127\.0\.0\.1[: ](\d+)/);
    const plain = connect(Number(port), '127.0.0.1');
    await once(plain, 'connect');
    plain.on('error', () => undefined);
    plain.end(); // FIN without a handshake: this client will never finish one
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    const outcome = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: Number(port), rejectUnauthorized: false });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve('served');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        resolve(`error ${error.code ?? error.message}`);
      });
    });
    expect(outcome).toBe('served');
    // Served at once, not once the plain client's slot timed out.
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
