import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseAuthHeaders, quoteString } from './http-auth.js';

// HTTP Digest access authentication (RFC 7616, RFC 2617's MD5 with qop=auth or without qop) for
// ncat's proxy: the realm is ncat's ("Ncat"). Strings here hold bytes, one char per byte (latin1):
// header text is read that way, and credentials given as text are turned into their UTF-8 bytes.

/** The realm ncat's proxy server names, kept so that ncat clients and scripts see the same challenge. */
export const PROXY_REALM = 'Ncat';

/** How long a nonce of the proxy server is accepted after its challenge. */
export const NONCE_LIFETIME_MS = 30_000;

/** At most this many nonces remembered as used (against replays); beyond, clients get a new nonce. */
const MAX_USED_NONCES = 65_536;

/** `text` as its UTF-8 bytes, one char per byte (the form header text is read in). */
export function utf8Bytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

const md5 = (text: string) => createHash('md5').update(text, 'latin1').digest('hex');

/** The fields a Digest response is computed from (bytes as latin1 strings). */
export interface DigestInput {
  readonly user: string;
  readonly realm: string;
  readonly password: string;
  readonly method: string;
  readonly uri: string;
  readonly nonce: string;
  /** With qop=auth: the nonce count (8 hex digits) and the client nonce; none: RFC 2069's form. */
  readonly auth?: { readonly nc: string; readonly cnonce: string };
}

/** The `response` of RFC 7616 3.4.1 with MD5: KD(H(user:realm:password), nonce[:nc:cnonce:auth]:H(method:uri)). */
export function digestResponse(d: DigestInput): string {
  const ha1 = md5(`${d.user}:${d.realm}:${d.password}`);
  const ha2 = md5(`${d.method}:${d.uri}`);
  const middle = d.auth === undefined ? d.nonce : `${d.nonce}:${d.auth.nc}:${d.auth.cnonce}:auth`;
  return md5(`${ha1}:${middle}:${ha2}`);
}

/**
 * Nonces of a proxy server: `ISSUED.RANDOM.MAC`, the issue time in ms (base 36), 12 random bytes and
 * an HMAC-SHA256 under a secret of this object, so that a nonce needs no state until it is used.
 * A used nonce is remembered (with its highest nonce count) until it expires, so a captured
 * Authorization header cannot be replayed.
 */
export class DigestNonces {
  private readonly secret = randomBytes(32);
  private readonly used = new Map<string, { expiresMs: number; nc: number }>();

  /** @param lifetimeMs how long a nonce is accepted after it is issued. @param now the clock, in ms. */
  constructor(
    readonly lifetimeMs = NONCE_LIFETIME_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new nonce. */
  issue(): string {
    const body = `${this.now().toString(36)}.${randomBytes(12).toString('base64url')}`;
    return `${body}.${this.mac(body)}`;
  }

  /** 'valid' for a nonce of ours within its lifetime, 'expired' for one of ours past it, else 'foreign'. */
  state(nonce: string): 'valid' | 'expired' | 'foreign' {
    const cut = nonce.lastIndexOf('.');
    const body = nonce.slice(0, Math.max(cut, 0));
    const given = Buffer.from(nonce.slice(cut + 1));
    const expected = Buffer.from(this.mac(body));
    if (cut < 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) return 'foreign';
    const issued = parseInt(body.slice(0, body.indexOf('.')), 36);
    const age = this.now() - issued;
    return Number.isFinite(age) && age >= 0 && age <= this.lifetimeMs ? 'valid' : 'expired';
  }

  /**
   * Records a use of a valid nonce with nonce count `nc` (1 without qop); false when that nonce was
   * already used with this count or a higher one (a replay), or too many nonces are in use.
   */
  use(nonce: string, nc: number): boolean {
    const nowMs = this.now();
    for (const [key, entry] of this.used) if (entry.expiresMs < nowMs) this.used.delete(key);
    const seen = this.used.get(nonce);
    if (seen !== undefined && seen.nc >= nc) return false;
    if (seen === undefined && this.used.size >= MAX_USED_NONCES) return false;
    this.used.set(nonce, { expiresMs: nowMs + this.lifetimeMs, nc });
    return true;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}

const nonces = new DigestNonces();

/**
 * The `Proxy-Authenticate` lines of a 407, as ncat's proxy server sends them: Basic, then Digest
 * (MD5, qop="auth") with a new nonce; `stale` tells a client whose nonce expired that its
 * credentials were right (RFC 7616 3.3).
 */
export function proxyChallenge(stale = false, issuer: DigestNonces = nonces): string {
  return (
    `Proxy-Authenticate: Basic realm=${quoteString(PROXY_REALM)}\r\n` +
    `Proxy-Authenticate: Digest realm=${quoteString(PROXY_REALM)}, nonce=${quoteString(issuer.issue())}, qop="auth"` +
    `${stale ? ', stale=true' : ''}\r\n`
  );
}

/** Equal byte strings, in time that does not depend on where they differ. */
function sameBytes(a: string, b: string): boolean {
  const hash = (s: string) => createHash('sha256').update(s, 'latin1').digest();
  return timingSafeEqual(hash(a), hash(b));
}

/**
 * Checks a request's `Proxy-Authorization` values against `credentials` (`user:password`, as given
 * to --proxy-auth): Basic with exactly those bytes, or Digest (MD5; qop auth or none) with the user
 * and the password (split at the first colon), realm "Ncat", a nonce of `issuer` within its
 * lifetime and not used before with that nonce count, and a `uri` naming the request-target.
 * @returns 'ok', 'stale' (right Digest credentials on an expired or used nonce: challenge again with
 * stale=true) or 'denied'.
 */
export function checkProxyAuth(
  credentials: string,
  method: string,
  uri: string,
  authorizations: readonly string[],
  issuer: DigestNonces = nonces,
): 'ok' | 'stale' | 'denied' {
  const secret = utf8Bytes(credentials);
  let verdict: 'stale' | 'denied' = 'denied';
  for (const value of authorizations) {
    const basic = /^\s*Basic(?:\s+(\S*))?\s*$/i.exec(value);
    if (basic !== null) {
      if (sameBytes(Buffer.from(basic[1] ?? '', 'base64').toString('latin1'), secret)) return 'ok';
      continue;
    }
    for (const { scheme, params } of parseAuthHeaders([value])) {
      if (scheme.toLowerCase() !== 'digest') continue;
      const result = checkDigest(secret, method, uri, params, issuer);
      if (result === 'ok') return 'ok';
      if (result === 'stale') verdict = 'stale';
    }
  }
  return verdict;
}

/**
 * Whether a Digest `uri` names the request-target: the same text, or for an absolute URI (a
 * proxied GET) its path and query, which curl sends.
 */
function sameTarget(given: string, target: string): boolean {
  if (given === target) return true;
  if (!/^http:\/\//i.test(target)) return false;
  try {
    const url = new URL(target);
    return given === `${url.pathname}${url.search}`;
  } catch {
    return false;
  }
}

function checkDigest(
  secret: string,
  method: string,
  uri: string,
  p: ReadonlyMap<string, string>,
  issuer: DigestNonces,
): 'ok' | 'stale' | 'denied' {
  const colon = secret.indexOf(':');
  const [user, realm, nonce, givenUri, response] = ['username', 'realm', 'nonce', 'uri', 'response'].map((k) =>
    p.get(k),
  );
  const qop = p.get('qop');
  const algorithm = p.get('algorithm') ?? 'MD5';
  if (colon < 0 || user === undefined || nonce === undefined || response === undefined) return 'denied';
  if (
    realm !== PROXY_REALM ||
    givenUri === undefined ||
    !sameTarget(givenUri, uri) ||
    algorithm.toUpperCase() !== 'MD5'
  )
    return 'denied';
  if (qop !== undefined && qop !== 'auth') return 'denied';
  const nc = p.get('nc') ?? '';
  const cnonce = p.get('cnonce');
  if (qop === 'auth' && (!/^[0-9a-fA-F]{8}$/.test(nc) || cnonce === undefined)) return 'denied';
  const expected = digestResponse({
    user: secret.slice(0, colon),
    realm,
    password: secret.slice(colon + 1),
    method,
    uri: givenUri,
    nonce,
    ...(qop === 'auth' && cnonce !== undefined ? { auth: { nc, cnonce } } : {}),
  });
  // The user and the response are checked together, so the time taken tells which was wrong.
  if (!sameBytes(`${user}\0${response.toLowerCase()}`, `${secret.slice(0, colon)}\0${expected}`)) return 'denied';
  const state = issuer.state(nonce);
  if (state === 'foreign') return 'denied';
  if (state === 'expired') return 'stale';
  return issuer.use(nonce, qop === 'auth' ? parseInt(nc, 16) : 1) ? 'ok' : 'stale';
}
