import { isIP } from 'node:net';
import { PortscopeError } from '../errors.js';

/** The transports `nc` speaks. `unix` is a stream socket on a path or a Linux abstract name. */
export type NetcatProtocol = 'tcp' | 'udp' | 'unix';

/** An IP endpoint: `host` is a name or an IP literal, `port` 1-65535. */
export interface InetEndpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * A unix socket endpoint: `path` is a file system path, or `@name` for a Linux abstract name
 * (as ss and socat write them).
 */
export interface UnixEndpoint {
  readonly path: string;
}

/** Where a connection goes or where a listener waits. */
export type NetcatEndpoint = InetEndpoint | UnixEndpoint;

/** True for a unix endpoint. */
export function isUnixEndpoint(endpoint: NetcatEndpoint): endpoint is UnixEndpoint {
  return 'path' in endpoint;
}

/** The path Node's net module takes: `@name` becomes `\0name` (abstract), a path stays as it is. */
export function unixPathForNode(path: string): string {
  return path.startsWith('@') ? `\0${path.slice(1)}` : path;
}

/**
 * Checks a unix socket path: non-empty, at most 107 bytes (sun_path holds 108 with its NUL).
 * @throws PortscopeError `INVALID_ARGUMENT` naming the path.
 */
export function checkUnixPath(path: string): string {
  const bytes = Buffer.byteLength(path);
  if (path === '' || path === '@' || bytes > 107) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected a unix socket path or @abstract name of 1-107 bytes, got \`${path}\` (${String(bytes)} bytes)`,
    );
  }
  return path;
}

/**
 * Parses a port given as text (`80`), strictly: digits only, 1-65535, or 0 (any free port, for a
 * listener) when `allowZero`.
 * @throws PortscopeError `INVALID_ARGUMENT` naming `what` and the text.
 */
export function parsePortText(text: string, what = 'a port', allowZero = false): number {
  if (allowZero && /^0+$/.test(text)) return 0;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : 0;
  if (port < 1 || port > 65535) {
    const range = allowZero ? '0-65535, 0 for any free port' : '1-65535';
    throw new PortscopeError('INVALID_ARGUMENT', `Expected ${what} (${range}), got \`${text}\``);
  }
  return port;
}

/** Text of an endpoint for messages: `host:port`, `[v6]:port`, or the unix path. */
export function endpointText(endpoint: NetcatEndpoint): string {
  if (isUnixEndpoint(endpoint)) return endpoint.path;
  const host = isIP(endpoint.host) === 6 ? `[${endpoint.host}]` : endpoint.host;
  return `${host}:${String(endpoint.port)}`;
}

/**
 * Checks that an IP literal is of the address family asked for (`-4`/`-6`); a name passes (it is
 * resolved in that family later).
 * @throws PortscopeError `INVALID_ARGUMENT` naming the address and the family.
 */
export function checkFamily(host: string, family: 4 | 6 | undefined): void {
  const literal = isIP(host);
  if (family === undefined || literal === 0 || literal === family) return;
  throw new PortscopeError(
    'INVALID_ARGUMENT',
    `Expected an IPv${String(family)} address with -${String(family)} (family ${String(family)}), got \`${host}\``,
  );
}
