import { createHash, X509Certificate } from 'node:crypto';

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
