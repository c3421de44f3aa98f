import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortscopeError } from '../errors.js';

/** A certificate and its key, PEM. */
export interface CertificatePair {
  readonly cert: string;
  readonly key: string;
}

/**
 * Makes a temporary self-signed certificate (P-256, valid one day, CN=localhost with SANs
 * localhost, 127.0.0.1 and ::1, plus `names`) with the system's `openssl` (OpenSSL 1.1.1 or later),
 * in a private temporary directory that is removed at once.
 * @throws PortscopeError `NOT_FOUND` when openssl is missing, `IO_ERROR` when it fails.
 */
export async function selfSignedCertificate(names: readonly string[] = []): Promise<CertificatePair> {
  const dir = await mkdtemp(join(tmpdir(), 'portscope-tls-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    const sans = [
      'DNS:localhost',
      'IP:127.0.0.1',
      'IP:::1',
      ...names.map((n) => (/^[\d.:]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)),
    ];
    const args = [
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
      '/CN=localhost/O=portscope nc (self-signed)',
      '-addext',
      `subjectAltName=${[...new Set(sans)].join(',')}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ];
    await new Promise<void>((resolve, reject) => {
      execFile('openssl', args, { timeout: 20_000 }, (error, _stdout, stderr) => {
        if (error === null) {
          resolve();
          return;
        }
        const missing = (error as { code?: unknown }).code === 'ENOENT';
        reject(
          missing
            ? new PortscopeError(
                'NOT_FOUND',
                'Cannot make a self-signed certificate: `openssl` is not installed; give --cert and --key',
                { cause: error },
              )
            : new PortscopeError(
                'IO_ERROR',
                `openssl could not make a certificate: ${stderr.trim().split('\n')[0] ?? error.message}`,
                { cause: error },
              ),
        );
      });
    });
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
