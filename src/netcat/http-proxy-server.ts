import { lookup } from 'node:dns/promises';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { byteReader } from './byte-reader.js';
import { checkProxyAuth, proxyChallenge } from './proxy-digest.js';

/** Options of {@link serveHttpProxy}. */
export interface HttpProxyOptions {
  /** `user:password` that clients must give (Basic or Digest); none: every client may use the proxy. */
  readonly auth?: string;
  /** Whether a target address may be connected to (the listener's --allow/--deny); null: any. */
  readonly targetCheck?: ((address: string) => 'accepted' | 'denied' | 'not-allowed') | null;
  /** Give up connecting to a target after this long, in ms. @default 10000 */
  readonly connectTimeoutMs?: number;
  /** The most bytes of a request head (line and headers). @default 16384 */
  readonly maxHeadBytes?: number;
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
  504: 'Gateway Timeout',
};
/** Headers of one hop, not passed on (RFC 9110 7.6.1), as ncat drops them. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-authorization', 'host']);

/**
 * Serves one client of an HTTP proxy as ncat 7.93's `-l --proxy-type http` does: `CONNECT host:port`
 * opens a tunnel (`HTTP/1.0 200 OK`, then the bytes both ways); a request with an absolute URI
 * (`GET http://host:port/path HTTP/1.1`) is sent to the target as `GET /path HTTP/1.0` with
 * `Host` and `Connection: close`, and its response comes back as HTTP/1.0 with `Connection: close`
 * and its Content-Length bytes of body (all of it until the target closes, without one). With
 * `auth`, a client without the right `Proxy-Authorization` (Basic or Digest) gets 407. A target that
 * `targetCheck` refuses gets 403 without being connected to; one that cannot be reached, 504.
 * The client's socket is closed at the end; never throws (the status tells what happened).
 */
export async function serveHttpProxy(client: Duplex, options: HttpProxyOptions = {}): Promise<HttpProxyResult> {
  // A client or target that resets mid-way ends its own exchange, never the listener.
  client.on('error', () => client.destroy());
  const reader = byteReader(client, 'the client');
  const maxHead = options.maxHeadBytes ?? 16_384;
  let head: string;
  try {
    head = (
      await reader.next((b) => {
        const end = b.indexOf('\r\n\r\n');
        if (end >= 0) return end + 4;
        return b.length > maxHead ? b.length : undefined;
      })
    ).toString('latin1');
  } catch {
    client.destroy();
    return { method: '', target: '', status: 400 };
  }
  const answer = (status: number, extra = ''): HttpProxyResult => {
    client.end(`HTTP/1.0 ${String(status)} ${REASONS[status] ?? ''}\r\n${extra}\r\n`);
    return { method, target: uri, status };
  };
  const [requestLine = '', ...headerLines] = head.slice(0, -4).split('\r\n');
  const [method = '', uri = '', version = ''] = requestLine.split(' ');
  if (!head.endsWith('\r\n\r\n') || !/^HTTP\/1\.[01]$/.test(version)) return answer(400);
  const headers = headerLines.map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()] as const;
  });
  if (options.auth !== undefined) {
    const given = headers.filter(([name]) => name.toLowerCase() === 'proxy-authorization').map(([, v]) => v);
    const verdict = checkProxyAuth(options.auth, method, uri, given);
    if (verdict !== 'ok') return answer(407, proxyChallenge(verdict === 'stale'));
  }
  let host: string;
  let port: number;
  let path = '';
  if (method === 'CONNECT') {
    const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(uri);
    if (m === null) return answer(400);
    [host, port] = [m[1] ?? '', Number(m[2])];
  } else {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return answer(400);
    }
    if (url.protocol !== 'http:') return answer(400);
    host = url.hostname.replace(/^\[|\]$/g, '');
    port = url.port === '' ? 80 : Number(url.port);
    path = `${url.pathname}${url.search}`;
  }
  if (port < 1 || port > 65_535) return answer(400);
  const target = await connectTarget(host, port, options);
  if (typeof target === 'number') return answer(target);
  reader.release();
  if (method === 'CONNECT') {
    client.write('HTTP/1.0 200 OK\r\n\r\n');
    await tunnel(client, target);
    return { method, target: uri, status: 200 };
  }
  const hostHeader = new URL(uri).host;
  const forwarded = headers.filter(([name]) => !HOP.has(name.toLowerCase()));
  target.write(
    `${method} ${path} HTTP/1.0\r\n${forwarded.map(([n, v]) => `${n}: ${v}\r\n`).join('')}Host: ${hostHeader}\r\nConnection: close\r\n\r\n`,
  );
  // A request body (POST) follows the head; the target's end of the response ends the exchange.
  client.pipe(target, { end: false });
  client.resume();
  const status = await forwardResponse(client, target);
  return { method, target: uri, status };
}

/** Resolves and connects to the target, or the status to answer: 403 refused by the rules, 504 unreachable. */
async function connectTarget(host: string, port: number, options: HttpProxyOptions): Promise<Socket | number> {
  let address: string;
  try {
    address = (await lookup(host)).address;
  } catch {
    return 504;
  }
  // The rules are checked on the address connected to, so a name cannot lead past them.
  if (options.targetCheck != null && options.targetCheck(address) !== 'accepted') return 403;
  const socket = connect({ host: address, port, allowHalfOpen: true });
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(504);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => socket.destroy());
      resolve(socket);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(504);
    });
  });
}

/** Copies both ways, each FIN passed on, until both sockets have closed. */
function tunnel(client: Duplex, target: Socket): Promise<void> {
  client.pipe(target);
  target.pipe(client);
  const closed = (s: Duplex) =>
    new Promise<void>((resolve) => {
      s.once('close', () => {
        resolve();
      });
    });
  for (const [a, b] of [
    [client, target],
    [target, client],
  ] as const) {
    a.on('error', () => b.destroy());
  }
  client.resume();
  return Promise.all([closed(client), closed(target)]).then(() => undefined);
}

/** Passes the target's response on as HTTP/1.0 with `Connection: close`, its body cut at Content-Length. */
async function forwardResponse(client: Duplex, target: Socket): Promise<number> {
  const reader = byteReader(target, 'the target');
  let head: string;
  try {
    head = (
      await reader.next((b) => {
        const end = b.indexOf('\r\n\r\n');
        return end >= 0 ? end + 4 : b.length > 65_536 ? b.length : undefined;
      })
    ).toString('latin1');
  } catch {
    target.destroy();
    client.end(`HTTP/1.0 504 ${REASONS[504] ?? ''}\r\n\r\n`);
    return 504;
  }
  const [statusLine = '', ...lines] = head.slice(0, -4).split('\r\n');
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1] ?? 502);
  const kept = lines.filter((l) => !/^(connection|keep-alive|proxy-connection)\s*:/i.test(l));
  const length = /^content-length\s*:\s*(\d+)\s*$/im.exec(kept.join('\n'))?.[1];
  client.write(
    `${statusLine.replace(/^HTTP\/\d\.\d/, 'HTTP/1.0')}\r\n${kept.map((l) => `${l}\r\n`).join('')}Connection: close\r\n\r\n`,
  );
  reader.release();
  let left = length === undefined ? Infinity : Number(length);
  await new Promise<void>((resolve) => {
    const done = () => {
      target.destroy();
      client.end();
      resolve();
    };
    if (left === 0) {
      done();
      return;
    }
    target.on('data', (chunk: Buffer) => {
      const part = chunk.subarray(0, Math.min(chunk.length, left));
      left -= part.length;
      client.write(part);
      if (left <= 0) done();
    });
    target.once('close', done);
    target.once('error', done);
    target.resume();
  });
  return status;
}
