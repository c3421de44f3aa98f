import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** A certificate and its key, PEM. */
export interface CertificatePair {
  readonly cert: string;
  readonly key: string;
}

const ONE_DAY_MS = 86_400_000;
// Clocks of client and listener may differ a little; a certificate valid from "now" could be refused.
const BACKDATE_MS = 5 * 60_000;

/**
 * Makes a temporary self-signed certificate (ECDSA P-256 with SHA-256, valid one day, CN=localhost
 * with SANs localhost, 127.0.0.1 and ::1, plus `names`), in memory with Node's crypto: no openssl
 * command and no temporary file (a read-only /tmp does not matter). Synchronous and cheap (a few ms).
 * Throws nothing for valid input; a name in `names` that is neither an IP nor a host name is
 * written as a DNS name as given.
 */
export function selfSignedCertificate(names: readonly string[] = [], now = new Date()): CertificatePair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const name = seq(
    set(seq(oid('2.5.4.3'), utf8('localhost'))),
    set(seq(oid('2.5.4.10'), utf8('portscope nc (self-signed)'))),
  );
  const sans = [...new Set(['localhost', '127.0.0.1', '::1', ...names])].map(generalName);
  const tbs = seq(
    tagged(0xa0, integer(Buffer.from([2]))), // v3
    integer(serialNumber()),
    ecdsaWithSha256,
    name,
    seq(utcTime(new Date(now.getTime() - BACKDATE_MS)), utcTime(new Date(now.getTime() + ONE_DAY_MS))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    tagged(0xa3, seq(seq(oid('2.5.29.17'), tagged(0x04, seq(...sans))))), // subjectAltName
  );
  const signature = sign('sha256', tbs, privateKey); // DER ECDSA-Sig-Value
  const certificate = seq(tbs, ecdsaWithSha256, tagged(0x03, Buffer.from([0]), signature));
  return { cert: pem('CERTIFICATE', certificate), key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** A SAN entry: iPAddress [7] for an IP literal, dNSName [2] otherwise. */
function generalName(text: string): Buffer {
  if (isIP(text) !== 0) return tagged(0x87, Buffer.from(ipaddr.parse(text).toByteArray()));
  return tagged(0x82, Buffer.from(text, 'ascii'));
}

/** 16 random bytes, positive and without a leading zero byte (RFC 5280: at most 20 octets). */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes;
}

/** DER: tag, length, contents. */
function tagged(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const seq = (...contents: Buffer[]) => tagged(0x30, ...contents);
const set = (...contents: Buffer[]) => tagged(0x31, ...contents);
const utf8 = (text: string) => tagged(0x0c, Buffer.from(text, 'utf8'));

/** A non-negative INTEGER from big-endian bytes (a 0 byte is prepended when the high bit is set). */
function integer(bytes: Buffer): Buffer {
  return tagged(0x02, (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(text: string): Buffer {
  const [first = 0, second = 0, ...rest] = text.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const groups: number[] = [];
    for (let n = arc; ; n = Math.floor(n / 128)) {
      groups.unshift((n % 128) | (groups.length === 0 ? 0 : 0x80));
      if (n < 128) break;
    }
    bytes.push(...groups);
  }
  return tagged(0x06, Buffer.from(bytes));
}

/** UTCTime YYMMDDHHMMSSZ (RFC 5280 for dates before 2050). */
function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-11-27T12:00:00.000Z
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tagged(0x17, Buffer.from(text, 'ascii'));
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
