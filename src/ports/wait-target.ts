import { isIP } from 'node:net';
import { PortscopeError } from '../errors.js';
import { isServiceName, parsePort } from './port-name.js';
import { canonicalIp } from './target.js';

/**
 * Something {@link waitForPort} waits on: a TCP endpoint (`host` undefined means this machine:
 * 127.0.0.1 and ::1 for connects, any local address for `listening` and `free`), or a unix socket path.
 */
export type WaitTarget =
  | {
      readonly kind: 'tcp';
      readonly text: string;
      readonly host?: string;
      readonly port: number;
      /** For `http://` and `https://` targets: `open` means a response to a request for this URL. */
      readonly url?: string;
    }
  | { readonly kind: 'unix'; readonly text: string; readonly path: string };

const INET = /^(?:\[(?<v6>[^\]]+)\]|(?<host>[^:[\]\s]*)):(?<port>[^:[\]\s/]+)$/;

/**
 * Parses `host:port`, `[v6]:port`, `:port` or `port` (this machine), or `unix:/path`. A host may be a
 * name (resolved on each attempt, every address tried) or an IP literal; a port may be a service name
 * (`localhost:http`, `postgresql`). wait-on's forms too: `tcp:host:port`, `tcp:port`, and `http://` or
 * `https://` URLs (`open` when a request gets a response).
 * @throws PortscopeError `INVALID_ARGUMENT` naming the text and the forms expected.
 */
export function parseWaitTarget(text: string): WaitTarget {
  const expected = `Expected HOST:PORT, [IPv6]:PORT, :PORT, a port or service name, or unix:/PATH, got \`${text}\``;
  const trimmed = text.trim();
  if (/^https?:\/\//i.test(trimmed)) return urlTarget(trimmed);
  if (trimmed.toLowerCase().startsWith('tcp:')) return { ...parseWaitTarget(trimmed.slice(4)), text: trimmed };
  if (trimmed.startsWith('unix:')) {
    const path = trimmed.slice(5);
    if (path === '') throw new PortscopeError('INVALID_ARGUMENT', expected);
    return { kind: 'unix', text: trimmed, path };
  }
  // A word alone is a port or service name (`http`), never a host without its port.
  if (!trimmed.includes(':') && !/^\d+$/.test(trimmed) && !isServiceName(trimmed)) {
    throw new PortscopeError('INVALID_ARGUMENT', expected);
  }
  const match = INET.exec(trimmed.includes(':') ? trimmed : `:${trimmed}`);
  if (match?.groups === undefined) throw new PortscopeError('INVALID_ARGUMENT', expected);
  const { v6, host = '', port: portText = '' } = match.groups;
  const port = parsePort(portText, { protocol: 'tcp', within: text });
  if (v6 !== undefined) {
    if (isIP(v6) !== 6)
      throw new PortscopeError('INVALID_ARGUMENT', `Expected an IPv6 address in brackets, got \`${v6}\``);
    return { kind: 'tcp', text: trimmed, host: canonicalIp(v6), port };
  }
  if (host === '') return { kind: 'tcp', text: trimmed, port };
  return { kind: 'tcp', text: trimmed, host: isIP(host) === 0 ? host.toLowerCase() : canonicalIp(host), port };
}

function urlTarget(text: string): WaitTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PortscopeError('INVALID_ARGUMENT', `Expected an http:// or https:// URL, got \`${text}\``);
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const bare = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const host = isIP(bare) === 0 ? bare.toLowerCase() : canonicalIp(bare);
  return { kind: 'tcp', text, host, port, url: url.href };
}
