import { isIP, type Socket } from 'node:net';
import ipaddr from 'ipaddr.js';
import { PortscopeError } from '../errors.js';
import { byteReader, type ByteReader } from './byte-reader.js';
import { httpConnect, type ProxyExchange } from './http-connect.js';
import { socks4Handshake, socks4Request } from './socks4.js';
import { connectStream } from './stream-connect.js';
import type { InetEndpoint } from './endpoint.js';

/** A parsed proxy URL. */
interface Proxy {
  readonly kind: 'socks5' | 'socks4' | 'socks4a' | 'http';
  readonly host: string;
  readonly port: number;
  /** The URL's user, when it has user info (`http://@host` gives ''). */
  readonly user?: string;
  /** The URL's password, when its user info has a colon (`a@` and `a:@` differ for HTTP Basic). */
  readonly password?: string;
}

/**
 * Parses `socks5://[user:pass@]host:port` (also `socks5h://`; the proxy always resolves the target's
 * name), `socks4://[user@]host:port` (the target's name is resolved here, IPv4),
 * `socks4a://[user@]host:port` (the proxy resolves it) or `http://[user:pass@]host:port`.
 * Default ports: 1080 (SOCKS) and 3128 (HTTP), as ncat and OpenBSD nc take them.
 * @throws PortscopeError `INVALID_ARGUMENT` naming the URL.
 */
export function parseProxyUrl(text: string): Proxy {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    url = new URL('invalid:');
  }
  const kind =
    url.protocol === 'socks5:' || url.protocol === 'socks5h:'
      ? 'socks5'
      : url.protocol === 'socks4:' || url.protocol === 'socks4a:'
        ? (url.protocol.slice(0, -1) as 'socks4' | 'socks4a')
        : url.protocol === 'http:'
          ? 'http'
          : undefined;
  if (kind === undefined || url.hostname === '' || (url.pathname !== '' && url.pathname !== '/')) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected a proxy as socks5://[user:pass@]host:port, socks4://[user@]host:port, socks4a://[user@]host:port or http://[user:pass@]host:port, got \`${text}\``,
    );
  }
  if (kind.startsWith('socks4') && url.password !== '')
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected no password with SOCKS4 (it has a user id only), got \`${text}\``,
    );
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? (kind === 'http' ? 3128 : 1080) : Number(url.port);
  // The URL parser does not tell `@host` from `host` nor `a@` from `a:@`: read the user info as written.
  const userInfo = /^[^:]+:\/\/([^/?#]*)@/.exec(text)?.[1];
  if (userInfo === undefined) return { kind, host, port };
  const colon = userInfo.indexOf(':');
  const user = percentDecoded(colon < 0 ? userInfo : userInfo.slice(0, colon));
  return { kind, host, port, user, ...(colon < 0 ? {} : { password: percentDecoded(userInfo.slice(colon + 1)) }) };
}

/** `text` with its %XX escapes decoded; as written when they are not valid UTF-8. */
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Connects to `target` through a SOCKS5 (RFC 1928, user/password auth RFC 1929), SOCKS4/4a or HTTP CONNECT
 * proxy and returns the socket, past the handshake. `local` (`--source`, `--source-port`) is bound
 * for the connection to the proxy, the only one this side makes (an HTTP proxy's 407 that closes
 * the connection makes a second one, for the credentials: src/netcat/http-connect.ts).
 * @throws PortscopeError `CONNECTION_FAILED` when the proxy refuses (its reason in the message);
 * errno errors of the connect to the proxy itself.
 */
export async function connectThroughProxy(
  proxyUrl: string,
  target: InetEndpoint,
  signal: AbortSignal,
  local: { readonly localAddress?: string; readonly localPort?: number } = {},
): Promise<Socket> {
  const proxy = parseProxyUrl(proxyUrl);
  const open = () => connectStream({ host: proxy.host, port: proxy.port, ...local }, signal);
  const socket = await open();
  const exchange: ProxyExchange = async (s, step) => {
    const onAbort = () => s.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    const reader = byteReader(s, 'the proxy');
    try {
      return await step(reader);
    } catch (error) {
      s.destroy();
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
      reader.release();
    }
  };
  const why = (text: string) => refused(proxy, text);
  try {
    if (proxy.kind === 'http') {
      const authority = `${isIP(target.host) === 6 ? `[${target.host}]` : target.host}:${String(target.port)}`;
      const { user, password } = proxy;
      const credentials = user === undefined ? undefined : { user, ...(password === undefined ? {} : { password }) };
      return await httpConnect(socket, open, authority, credentials, exchange, why);
    }
    await exchange(socket, async (reader) => {
      if (proxy.kind === 'socks5') await socks5Handshake(socket, reader, proxy, target);
      else
        await socks4Handshake(
          socket,
          reader,
          await socks4Request(target, proxy.user ?? '', proxy.kind === 'socks4a'),
          why,
        );
    });
    return socket;
  } catch (error) {
    socket.destroy();
    if (error instanceof PortscopeError) throw error;
    throw new PortscopeError(
      'CONNECTION_FAILED',
      `Proxy ${proxy.host}:${String(proxy.port)}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

const SOCKS_REPLIES = [
  'succeeded',
  'general SOCKS server failure',
  'connection not allowed by ruleset',
  'network unreachable',
  'host unreachable',
  'connection refused',
  'TTL expired',
  'command not supported',
  'address type not supported',
];

function refused(proxy: Proxy, why: string): PortscopeError {
  return new PortscopeError('CONNECTION_FAILED', `Proxy ${proxy.host}:${String(proxy.port)} refused: ${why}`);
}

async function socks5Handshake(socket: Socket, reader: ByteReader, proxy: Proxy, target: InetEndpoint): Promise<void> {
  const methods = proxy.user === undefined ? [0x00] : [0x00, 0x02];
  socket.write(Buffer.from([0x05, methods.length, ...methods]));
  const [version, method] = await reader.next((b) => (b.length >= 2 ? 2 : undefined));
  if (version !== 0x05) throw refused(proxy, 'not a SOCKS5 server');
  if (method === 0x02) {
    const user = Buffer.from(proxy.user ?? '');
    const password = Buffer.from(proxy.password ?? '');
    if (user.length > 255 || password.length > 255) throw refused(proxy, 'user or password longer than 255 bytes');
    socket.write(Buffer.concat([Buffer.from([0x01, user.length]), user, Buffer.from([password.length]), password]));
    const [, status] = await reader.next((b) => (b.length >= 2 ? 2 : undefined));
    if (status !== 0x00) throw refused(proxy, 'user name or password not accepted');
  } else if (method !== 0x00) {
    throw refused(proxy, proxy.user === undefined ? 'it requires a user and password' : 'no acceptable authentication');
  }
  socket.write(Buffer.concat([Buffer.from([0x05, 0x01, 0x00]), socksAddress(target.host), portBytes(target.port)]));
  const reply = await reader.next(socksReplyLength);
  const code = reply[1] ?? 1;
  if (code !== 0x00) throw refused(proxy, SOCKS_REPLIES[code] ?? `reply ${String(code)}`);
}

/** ATYP and address: IPv4 (1), a domain name (3) for the proxy to resolve, IPv6 (4). */
function socksAddress(host: string): Buffer {
  const family = isIP(host);
  if (family !== 0) return Buffer.from([family === 4 ? 0x01 : 0x04, ...ipaddr.parse(host).toByteArray()]);
  const name = Buffer.from(host);
  return Buffer.concat([Buffer.from([0x03, name.length]), name]);
}

function portBytes(port: number): Buffer {
  return Buffer.from([port >> 8, port & 0xff]);
}

/** Length of a SOCKS5 reply (VER REP RSV ATYP BND.ADDR BND.PORT) once enough of it is in. */
function socksReplyLength(b: Buffer): number | undefined {
  if (b.length < 5) return undefined;
  const atyp = b[3];
  const addressLength = atyp === 0x01 ? 4 : atyp === 0x04 ? 16 : (b[4] ?? 0) + 1;
  const total = 4 + addressLength + 2;
  return b.length >= total ? total : undefined;
}
