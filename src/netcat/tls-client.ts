import { X509Certificate } from 'node:crypto';
import { isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { PortscopeError } from '../errors.js';
import { publicKeySha256 } from './server-certificate.js';

/**
 * TLS client settings. The peer's certificate chain and host name are verified by default, against
 * Node's bundled CAs (or `ca`).
 */
export interface TlsClientOptions {
  /** Skip every check of the peer's certificate (`--insecure`). @default false */
  readonly insecure?: boolean;
  /** Trusted CA certificates, PEM, instead of Node's bundled list. */
  readonly ca?: string | Buffer;
  /**
   * Accept the peer only when its key or certificate matches one of these, and then without chain
   * or host name checks (the pin is the stronger check): `sha256:BASE64` of the public key
   * (SubjectPublicKeyInfo, as curl's --pinnedpubkey and HPKP) or `sha256:HEX` (colons allowed)
   * of the certificate (its fingerprint). Both are printed by `nc -v`.
   */
  readonly pins?: readonly string[];
  /** SNI and the name checked in the certificate. @default the target's host name (none for an IP) */
  readonly servername?: string;
  /** ALPN protocols to offer, in order of preference (`h2`, `http/1.1`). */
  readonly alpn?: readonly string[];
  /** Client certificate, PEM (with `key`). */
  readonly cert?: string | Buffer;
  /** Client key, PEM. */
  readonly key?: string | Buffer;
}

/** What the peer presented, as `nc -v` prints it. Dates are ISO 8601. */
export interface PeerCertificateInfo {
  /** `CN=example.org, O=Example` */
  readonly subject: string;
  readonly issuer: string;
  readonly validFrom: string;
  readonly validTo: string;
  /** SHA-256 of the certificate (DER), colon-separated hex. */
  readonly fingerprint256: string;
  /** SHA-256 of the public key (SubjectPublicKeyInfo DER), base64. */
  readonly publicKeySha256: string;
  /** The negotiated protocol version (`TLSv1.3`). */
  readonly protocol: string;
  /** The ALPN protocol the peer chose, if any. */
  readonly alpn?: string;
  /** How the peer was accepted: `verified` (chain and name), `pinned`, or `insecure` (not checked). */
  readonly trust: 'verified' | 'pinned' | 'insecure';
}

/** Parses a pin; returns a matcher of a certificate. @throws PortscopeError `INVALID_ARGUMENT`. */
export function parsePin(pin: string): (info: { fingerprint256: string; publicKeySha256: string }) => boolean {
  const m = /^sha256:(.+)$/i.exec(pin.trim());
  const value = m?.[1] ?? '';
  const hex = value.replace(/:/g, '').toUpperCase();
  if (/^[0-9A-F]{64}$/.test(hex)) return (info) => info.fingerprint256.replace(/:/g, '') === hex;
  if (/^[A-Za-z0-9+/]{43}=$/.test(value)) return (info) => info.publicKeySha256 === value;
  throw new PortscopeError(
    'INVALID_ARGUMENT',
    `Expected a pin as sha256:BASE64 (public key, 44 characters) or sha256:HEX (certificate, 64 hex digits), got \`${pin}\``,
  );
}

/** Distinguished name text from Node's object form: `CN=a, O=b`. */
export function nameText(name: PeerCertificate['subject'] | undefined): string {
  if (name === undefined) return '';
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`)
    .join(', ');
}

/** The facts about a peer's certificate (see PeerCertificateInfo), without `trust`. */
export function certificateInfo(socket: TLSSocket): Omit<PeerCertificateInfo, 'trust'> {
  const cert = socket.getPeerCertificate();
  const raw = (cert as { raw?: Buffer }).raw;
  const alpn = socket.alpnProtocol;
  return {
    subject: nameText(cert.subject),
    issuer: nameText(cert.issuer),
    validFrom: dateText(cert.valid_from),
    validTo: dateText(cert.valid_to),
    fingerprint256: cert.fingerprint256,
    publicKeySha256: raw === undefined ? '' : publicKeySha256(new X509Certificate(raw)),
    protocol: socket.getProtocol() ?? '',
    ...(typeof alpn === 'string' ? { alpn } : {}),
  };
}

function dateText(text: string | undefined): string {
  const date = new Date(text ?? '');
  return Number.isNaN(date.getTime()) ? (text ?? '') : date.toISOString();
}

/**
 * Runs a TLS client handshake over a connected socket and checks the peer as `options` say.
 * @throws PortscopeError `CONNECTION_FAILED` (handshake failed, certificate not trusted, pin mismatch).
 */
export async function startTlsClient(
  socket: Socket,
  host: string,
  options: TlsClientOptions,
  signal: AbortSignal,
): Promise<{ socket: TLSSocket; peer: PeerCertificateInfo }> {
  const pins = (options.pins ?? []).map(parsePin);
  const servername = options.servername ?? (isIP(host) === 0 ? host : undefined);
  const checkChain = options.insecure !== true && pins.length === 0;
  const secured = await new Promise<TLSSocket>((resolve, reject) => {
    const tls = tlsConnect({
      socket,
      ...(servername === undefined ? {} : { servername }),
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      ...(options.cert === undefined ? {} : { cert: options.cert }),
      ...(options.key === undefined ? {} : { key: options.key }),
      ...(options.alpn === undefined ? {} : { ALPNProtocols: [...options.alpn] }),
      rejectUnauthorized: checkChain,
      // The name checked is the one asked for: --servername, else the host as given (an IP is checked against IP SANs).
      checkServerIdentity: checkChain
        ? (_name, cert) => checkServerIdentity(options.servername ?? host, cert)
        : () => undefined,
    });
    const onAbort = () => {
      tls.destroy();
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    tls.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      tls.destroy();
      reject(tlsError(error, host));
    });
    tls.once('secureConnect', () => {
      signal.removeEventListener('abort', onAbort);
      tls.removeAllListeners('error');
      resolve(tls);
    });
  });
  const info = certificateInfo(secured);
  if (pins.length > 0 && !pins.some((matches) => matches(info))) {
    secured.destroy();
    throw new PortscopeError(
      'CONNECTION_FAILED',
      `TLS: the certificate of \`${host}\` matches no --pin (its key is sha256:${info.publicKeySha256})`,
    );
  }
  return {
    socket: secured,
    peer: { ...info, trust: checkChain ? 'verified' : pins.length > 0 ? 'pinned' : 'insecure' },
  };
}

/** A TLS failure as one line naming the host and the way out. */
function tlsError(error: unknown, host: string): PortscopeError {
  const code = (error as { code?: unknown }).code;
  const reason = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
  const untrusted = /CERT|SELF_SIGNED|VERIFY|ALTNAME|ISSUER/.test(reason);
  return new PortscopeError(
    'CONNECTION_FAILED',
    untrusted
      ? `TLS: the certificate of \`${host}\` is not trusted (${reason}); give --ca FILE or --pin, or --insecure to skip the check`
      : `TLS handshake with \`${host}\` failed (${reason})`,
    { cause: error },
  );
}
