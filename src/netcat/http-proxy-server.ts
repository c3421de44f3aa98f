import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { parseRequestLine, splitHead, withoutHopByHop, type HeaderField } from './http-head.js';
import { connectTarget, type TargetRules } from './http-proxy-target.js';
import { forwardResponse } from './http-proxy-response.js';
import { HttpSource, writeAll } from './http-source.js';
import { checkProxyAuth, proxyChallenge } from './proxy-digest.js';

/** Options of {@link serveHttpProxy}. */
export interface HttpProxyOptions extends TargetRules {
  /** `user:password` that clients must give (Basic or Digest); none: every client may use the proxy. */
  readonly auth?: string;
  /** The proxy's own port: a GET, HEAD or POST to it on an address of this host is a loop (403). */
  readonly ownPort?: number;
  /** The most time a client may take to send its request head, in ms (then 408). @default 10000 */
  readonly headTimeoutMs?: number;
  /** The longest silence in a request body, or before and in the target's response, in ms. @default 30000 */
  readonly idleTimeoutMs?: number;
}

/** What became of one client of the proxy, for a log. */
export interface HttpProxyResult {
  readonly method: string;
  readonly target: string;
  /** The status answered (200 for a tunnel; the target's for a forwarded request). */
  readonly status: number;
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  405: 'Method Not Allowed',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};
/** The methods ncat's proxy serves; any other is 405 with this list in `Allow`. */
const METHODS = new Set(['CONNECT', 'GET', 'HEAD', 'POST']);
const PIECE_BYTES = 65_536;

/** The most 407s answered on one connection before it is closed (a stale nonce costs one more). */
const MAX_CHALLENGES = 3;
/** The most request body skipped to keep a connection open after a 407, in bytes. */
const MAX_SKIPPED_BODY_BYTES = 65_536;

/**
 * Serves one client of an HTTP proxy as ncat 7.93's `-l --proxy-type http` does: `CONNECT host:port`
 * opens a tunnel (`HTTP/1.0 200 OK`, then the bytes both ways, each FIN passed on); GET, HEAD and
 * POST with an absolute URI (`GET http://host:port/path HTTP/1.1`) go to the target as `GET /path
 * HTTP/1.0` without the hop-by-hop fields (those `Connection` names too), with `Host` and
 * `Connection: close`, and exactly `Content-Length` bytes of body (a POST without one, chunked
 * included, is 400); the response comes back as HTTP/1.0 the same way, its body cut at its
 * `Content-Length`. Heads are read as ncat reads them (folded lines, bare LF line ends; 413 past
 * 1024 bytes of request line or 10240 of header). Other methods are 405. With `auth`, a client
 * without the right `Proxy-Authorization` (Basic or Digest) gets 407 with `Content-Length: 0`, and
 * the connection stays open for its next request (curl resends on it; ncat closes, and `curl -p
 * --proxy-digest` fails there), up to MAX_CHALLENGES times, when the request's body is known and
 * small enough to skip. A target that `targetCheck` refuses, or
 * a request loop to `ownPort`, gets 403 without being connected to; a target not reachable (or
 * not in `family`), 504; a response that is not HTTP, 502. The client's socket is closed at the
 * end; never throws (the status tells what happened: the last request's).
 */
export async function serveHttpProxy(client: Duplex, options: HttpProxyOptions = {}): Promise<HttpProxyResult> {
  // A client or target that resets mid-way ends its own exchange, never the listener.
  client.on('error', () => client.destroy());
  const source = new HttpSource(client);
  let challenged: HttpProxyResult | undefined;
  for (let round = 1; ; round++) {
    const served = await serveRequest(source, client, options, challenged, round < MAX_CHALLENGES);
    if (served.keptOpen !== true) return served.result;
    challenged = served.result;
  }
}

/**
 * One request of {@link serveHttpProxy}. After a 407 (`challenged`), a client that closes or
 * stays silent ends the connection quietly, with that 407 as the result. `keepOpen`: a 407 may
 * keep the connection open (`keptOpen` then).
 */
async function serveRequest(
  source: HttpSource,
  client: Duplex,
  options: HttpProxyOptions,
  challenged: HttpProxyResult | undefined,
  keepOpen: boolean,
): Promise<{ result: HttpProxyResult; keptOpen?: boolean }> {
  let method = '';
  let uri = '';
  const answer = (status: number, extra = '') => {
    source.finish(`HTTP/1.0 ${String(status)} ${REASONS[status] ?? ''}\r\n${extra}\r\n`);
    return { result: { method, target: uri, status } };
  };
  const head = await source.head(Date.now() + (options.headTimeoutMs ?? 10_000));
  if (challenged !== undefined && (head === 'closed' || head === 'timeout')) {
    source.finish();
    return { result: challenged };
  }
  // A client that half-closes before its head is complete gets 400, as from ncat.
  if (head === 'closed') return answer(400);
  if (head === 'timeout') return answer(408);
  if (head === 413) return answer(413);
  const { line, fields } = splitHead(head.toString('latin1'));
  const request = parseRequestLine(line);
  if (request === 400) return answer(400);
  ({ method, uri } = request);
  // As ncat: the method is checked before the header.
  if (!METHODS.has(method)) return answer(405, 'Allow: CONNECT, GET, HEAD, POST\r\n');
  if (fields === 400) return answer(400);
  const headers = fields;
  const length = contentLength(headers);
  if (options.auth !== undefined) {
    const given = headers.filter(([name]) => name.toLowerCase() === 'proxy-authorization').map(([, v]) => v);
    const verdict = checkProxyAuth(options.auth, method, uri, given);
    const challenge = proxyChallenge(verdict === 'stale');
    if (verdict !== 'ok' && keepOpen && (await skipBody(source, headers, length))) {
      client.write(`HTTP/1.0 407 ${REASONS[407] ?? ''}\r\n${challenge}Content-Length: 0\r\n\r\n`);
      return { result: { method, target: uri, status: 407 }, keptOpen: true };
    }
    if (verdict !== 'ok') return answer(407, `${challenge}Content-Length: 0\r\n`);
  }
  const place = targetOf(method, uri);
  if (place === 400 || length === 'invalid') return answer(400);
  if (method === 'CONNECT') {
    const target = await connectTarget(place.host, place.port, options);
    if (typeof target === 'number') return answer(target);
    client.write('HTTP/1.0 200 OK\r\n\r\n');
    await tunnel(source, client, target);
    return { result: { method, target: uri, status: 200 } };
  }
  // ncat cannot find the end of a body without Content-Length (chunked included): 400, as ncat.
  const forwarded = withoutHopByHop(headers);
  if ((method === 'POST' && length === undefined) || forwarded === 400) return answer(400);
  const target = await connectTarget(place.host, place.port, options, options.ownPort);
  if (typeof target === 'number') return answer(target);
  const idleMs = options.idleTimeoutMs ?? 30_000;
  const fieldLines = forwarded.filter(([name]) => name.toLowerCase() !== 'host').map(([n, v]) => `${n}: ${v}\r\n`);
  target.write(
    `${method} ${place.path} HTTP/1.0\r\n${fieldLines.join('')}Host: ${place.hostField}\r\nConnection: close\r\n\r\n`,
  );
  // Exactly Content-Length bytes of body, fewer if the client ends first (ncat does the same).
  for (let left = length ?? 0; left > 0;) {
    const piece = await source.read(Math.min(left, PIECE_BYTES), Date.now() + idleMs);
    if (piece === null || !(await writeAll(target, piece))) break;
    left -= piece.length;
  }
  const response = await forwardResponse(client, target, idleMs);
  if (!response.relayed) return answer(response.status);
  source.finish();
  return { result: { method, target: uri, status: response.status } };
}

/**
 * Reads and drops a refused request's body, so that the next request can be read: true when it
 * had none or a Content-Length of at most MAX_SKIPPED_BODY_BYTES that all came within 10 s.
 */
async function skipBody(
  source: HttpSource,
  headers: readonly HeaderField[],
  length: number | undefined | 'invalid',
): Promise<boolean> {
  if (headers.some(([name]) => name.toLowerCase() === 'transfer-encoding')) return false;
  if (length === 'invalid' || (length ?? 0) > MAX_SKIPPED_BODY_BYTES) return false;
  const deadline = Date.now() + 10_000;
  for (let left = length ?? 0; left > 0;) {
    const piece = await source.read(left, deadline);
    if (piece === null) return false;
    left -= piece.length;
  }
  return true;
}

/** Where a request goes: CONNECT's `host:port`, or an absolute `http:` URI; 400 for anything else. */
function targetOf(method: string, uri: string): { host: string; port: number; path: string; hostField: string } | 400 {
  let host: string;
  let port: number;
  if (method === 'CONNECT') {
    const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(uri);
    if (m === null) return 400;
    [host, port] = [m[1] ?? '', Number(m[2])];
    if (port < 1 || port > 65_535) return 400;
    return { host, port, path: '', hostField: '' };
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 400;
  }
  if (url.protocol !== 'http:') return 400;
  port = url.port === '' ? 80 : Number(url.port);
  if (port < 1) return 400;
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    path: `${url.pathname}${url.search}`,
    hostField: url.host,
  };
}

/** The first Content-Length as ncat takes it: undefined without one, 'invalid' when it is not a number. */
function contentLength(fields: readonly HeaderField[]): number | undefined | 'invalid' {
  const value = fields.find(([name]) => name.toLowerCase() === 'content-length')?.[1];
  if (value === undefined) return undefined;
  return /^\d{1,15}$/.test(value) ? Number(value) : 'invalid';
}

const closed = (s: Duplex) =>
  new Promise<void>((resolve) => {
    if (s.destroyed) resolve();
    else
      s.once('close', () => {
        resolve();
      });
  });

/**
 * Copies both ways until both sockets have closed, each FIN passed on: the client's bytes come
 * through its source (which holds any sent right after the request head), the target's are piped.
 */
async function tunnel(source: HttpSource, client: Duplex, target: Socket): Promise<void> {
  target.pipe(client);
  target.on('error', () => client.destroy());
  client.on('error', () => target.destroy());
  for (;;) {
    const piece = await source.read(PIECE_BYTES);
    if (piece === null || !(await writeAll(target, piece))) break;
  }
  if (client.destroyed) target.destroy();
  else target.end();
  await Promise.all([closed(client), closed(target)]);
}
