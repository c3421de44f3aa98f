import { createHash, X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { PortscopeError } from '../errors.js';
import type { TlsServerOptions } from './listen.js';
import { selfSignedCertificate } from './self-signed.js';

/** A listener's certificate as `nc -v` prints it, so that clients can pin it. */
export interface ServerCertificateInfo {
  readonly subject: string;
  /** SHA-256 of the certificate (DER), colon-separated hex. */
  readonly fingerprint256: string;
  /** SHA-256 of the public key (SubjectPublicKeyInfo DER), base64: give it to a client's `--pin sha256:...`. */
  readonly publicKeySha256: string;
  readonly validTo: string;
  /** True when portscope made it for this listener. */
  readonly selfSigned: boolean;
}

/** SHA-256 of a certificate's public key (SubjectPublicKeyInfo DER), base64: what `--pin` takes. */
export function publicKeySha256(cert: X509Certificate): string {
  return createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
}

/** Facts of a PEM certificate. */
export function certificateFacts(pem: string | Buffer, selfSigned: boolean): ServerCertificateInfo {
  const cert = new X509Certificate(pem);
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    fingerprint256: cert.fingerprint256,
    publicKeySha256: publicKeySha256(cert),
    validTo: new Date(cert.validTo).toISOString(),
    selfSigned,
  };
}

/**
 * A listener's TLS context and certificate facts: `cert` and `key` (PEM), or a temporary self-signed pair.
 * @throws PortscopeError `INVALID_ARGUMENT` (one of cert/key without the other, or a bad PEM pair).
 */
export function serverContext(options: TlsServerOptions): { context: SecureContext; info: ServerCertificateInfo } {
  if ((options.cert === undefined) !== (options.key === undefined)) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      'Expected --cert and --key together for a TLS listener (or neither, for a self-signed certificate)',
    );
  }
  const pair =
    options.cert !== undefined && options.key !== undefined
      ? { cert: options.cert, key: options.key }
      : selfSignedCertificate();
  let context: SecureContext;
  try {
    context = createSecureContext(pair);
  } catch (error) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected a PEM certificate and its key, got an error: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { context, info: certificateFacts(pair.cert, options.cert === undefined) };
}
