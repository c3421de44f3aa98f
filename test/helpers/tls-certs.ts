import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A test CA and a server certificate it signed for localhost, 127.0.0.1 and ::1 (files, PEM). */
export interface TestCerts {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Server certificate and key in one file (socat's cert=). */
  readonly serverPem: string;
  /** A client certificate (CN=portscope test client, clientAuth) the CA signed, and its key. */
  readonly clientCert: string;
  readonly clientKey: string;
  remove(): void;
}

/** Makes a CA, a server and a client certificate with the system's openssl, valid one day. */
export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'portscope-test-certs-'));
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', timeout: 20_000 });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=portscope test CA',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
  );
  /** A P-256 key and a certificate for `subject` signed by the CA, with `extensions` (openssl x509 -extfile). */
  const issue = (name: string, subject: string, extensions: string) => {
    openssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      subject,
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.csr`),
    );
    writeFileSync(f(`${name}.cnf`), `${extensions}\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      f(`${name}.cnf`),
      '-out',
      f(`${name}.pem`),
    );
  };
  issue('server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1');
  issue('client', '/CN=portscope test client', 'extendedKeyUsage=clientAuth');
  const both = execFileSync('cat', [f('server.pem'), f('server.key')]);
  writeFileSync(f('server-with-key.pem'), both);
  return {
    dir,
    caCert: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    serverPem: f('server-with-key.pem'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
