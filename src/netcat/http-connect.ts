import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { ByteReader } from './byte-reader.js';
import { headerValues, parseAuthHeaders, quoteString, type AuthScheme } from './http-auth.js';
import { digestResponse, utf8Bytes } from './proxy-digest.js';

/** Credentials for a proxy: `user`, and `password` when the text had a colon (`a` and `a:` differ for Basic). */
export interface ProxyCredentials {
  readonly user: string;
  readonly password?: string;
}

/** Runs one request/response on `socket` with a reader of it (released after, the socket destroyed on error). */
export type ProxyExchange = <T>(socket: Socket, step: (reader: ByteReader) => Promise<T>) => Promise<T>;

/** A 407 body up to this size is read and dropped so that the connection can carry the second request. */
const MAX_SKIPPED_BODY = 65_536;

interface Reply {
  readonly code: number;
  readonly reason: string;
  readonly head: string;
  /** The proxy keeps the connection open after this response (keep-alive, body read). */
  readonly reusable: boolean;
}

/**
 * Opens an HTTP CONNECT tunnel to `authority` (`host:port`, `[v6]:port`) as ncat's client does: the
 * request goes without credentials first (a proxy that needs none never sees them); on a 407 with
 * `credentials`, the challenge is answered with Digest (RFC 7616, MD5, qop auth or none) when the
 * proxy offers it, else Basic, on the same connection when the 407 lets it stay open, else on a
 * new one from `open`. Returns the socket past the proxy's 2xx head.
 * @throws the error `refused(why)` makes when the proxy answers otherwise; `open`'s errors.
 */
export async function httpConnect(
  first: Socket,
  open: () => Promise<Socket>,
  authority: string,
  credentials: ProxyCredentials | undefined,
  exchange: ProxyExchange,
  refused: (why: string) => Error,
): Promise<Socket> {
  const ask = (socket: Socket, authorization?: string) =>
    exchange(socket, (reader) => {
      const auth = authorization === undefined ? '' : `Proxy-Authorization: ${authorization}\r\n`;
      socket.write(Buffer.from(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`, 'latin1'));
      return readReply(reader, refused);
    });
  let socket = first;
  const reply = await ask(socket);
  if (reply.code >= 200 && reply.code <= 299) return socket;
  if (reply.code !== 407 || credentials === undefined) {
    socket.destroy();
    throw refused(`${String(reply.code)} ${reply.reason}`.trim());
  }
  const challenges = parseAuthHeaders(headerValues(reply.head, 'proxy-authenticate'));
  const authorization = answerChallenge(challenges, credentials, authority);
  if (authorization === undefined) {
    socket.destroy();
    throw refused(
      `407 and no challenge portscope can answer (Basic, Digest with MD5), offered: ${challenges.map((c) => c.scheme).join(', ') || 'none'}`,
    );
  }
  if (!reply.reusable) {
    socket.destroy();
    socket = await open();
  }
  const second = await ask(socket, authorization);
  if (second.code >= 200 && second.code <= 299) return socket;
  socket.destroy();
  const why = `${String(second.code)} ${second.reason}`.trim();
  throw refused(second.code === 407 ? `${why} (the credentials were not accepted)` : why);
}

/**
 * The `Proxy-Authorization` value answering `challenges` for CONNECT `uri`: Digest when a usable
 * Digest challenge is offered (ncat's preference), else Basic when offered; undefined otherwise.
 */
export function answerChallenge(
  challenges: readonly AuthScheme[],
  credentials: ProxyCredentials,
  uri: string,
  cnonce = randomBytes(8).toString('hex'),
): string | undefined {
  const user = utf8Bytes(credentials.user);
  const password = utf8Bytes(credentials.password ?? '');
  const digest = challenges.find((c) => c.scheme.toLowerCase() === 'digest' && usableDigest(c.params));
  if (digest !== undefined && !/\p{Cc}/u.test(user)) {
    const p = digest.params;
    const realm = p.get('realm') ?? '';
    const nonce = p.get('nonce') ?? '';
    const qop = p.get('qop') !== undefined;
    const nc = '00000001';
    const response = digestResponse({
      user,
      realm,
      password,
      method: 'CONNECT',
      uri,
      nonce,
      ...(qop ? { auth: { nc, cnonce } } : {}),
    });
    const opaque = p.get('opaque');
    return [
      `Digest username=${quoteString(user)}`,
      `realm=${quoteString(realm)}`,
      `nonce=${quoteString(nonce)}`,
      `uri=${quoteString(uri)}`,
      ...(p.has('algorithm') ? ['algorithm=MD5'] : []),
      ...(qop ? [`qop=auth`, `nc=${nc}`, `cnonce=${quoteString(cnonce)}`] : []),
      `response=${quoteString(response)}`,
      ...(opaque === undefined ? [] : [`opaque=${quoteString(opaque)}`]),
    ].join(', ');
  }
  if (!challenges.some((c) => c.scheme.toLowerCase() === 'basic')) return undefined;
  const text = credentials.password === undefined ? user : `${user}:${password}`;
  return `Basic ${Buffer.from(text, 'latin1').toString('base64')}`;
}

/** A Digest challenge this client can answer: realm and nonce, MD5, qop absent or offering `auth`. */
function usableDigest(p: ReadonlyMap<string, string>): boolean {
  const values = ['realm', 'nonce', 'opaque'].map((k) => p.get(k) ?? '');
  return (
    p.has('realm') &&
    p.has('nonce') &&
    !values.some((v) => /\p{Cc}/u.test(v)) &&
    (p.get('algorithm') ?? 'MD5').toUpperCase() === 'MD5' &&
    (p.get('qop') === undefined || (p.get('qop') ?? '').split(',').some((q) => q.trim() === 'auth'))
  );
}

/** Reads a response head (at most 16 KiB) and, when the connection stays open, its Content-Length body. */
async function readReply(reader: ByteReader, refused: (why: string) => Error): Promise<Reply> {
  const head = (
    await reader.next((b) => {
      const end = b.indexOf('\r\n\r\n');
      if (end >= 0) return end + 4;
      if (b.length > 16_384) throw refused('a response head over 16 KiB');
      return undefined;
    })
  ).toString('latin1');
  const status = /^HTTP\/1\.([01]) (\d{3})(?: ([^\r\n]*))?/.exec(head);
  if (status === null) throw refused('not an HTTP response');
  const tokens = [...headerValues(head, 'connection'), ...headerValues(head, 'proxy-connection')]
    .join(',')
    .toLowerCase()
    .split(',')
    .map((t) => t.trim());
  const keepAlive = status[1] === '1' ? !tokens.includes('close') : tokens.includes('keep-alive');
  const lengths = headerValues(head, 'content-length');
  const length = lengths.length === 1 && /^\d+$/.test(lengths[0] ?? '') ? Number(lengths[0]) : undefined;
  const reusable =
    keepAlive &&
    length !== undefined &&
    length <= MAX_SKIPPED_BODY &&
    headerValues(head, 'transfer-encoding').length === 0;
  const code = Number(status[2]);
  // A 2xx to CONNECT has no body: what follows its head is the tunnel's.
  if (reusable && length > 0 && (code < 200 || code > 299))
    await reader.next((b) => (b.length >= length ? length : undefined));
  return { code, reason: status[3] ?? '', head, reusable };
}
