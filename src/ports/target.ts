import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { PortscopeError } from '../errors.js';
import { parsePort } from './port-name.js';

/** A local port question: `3000`, `:3000`, `http`, `3000/udp`, `127.0.0.1:3000`, `[::1]:3000/tcp`. */
export interface PortTarget {
  /** 1-65535. */
  readonly port: number;
  /** `['tcp', 'udp']` unless a `/tcp` or `/udp` suffix narrows it. */
  readonly protocols: readonly ('tcp' | 'udp')[];
  /** An IP literal in canonical form (RFC 5952 for IPv6), when the target names one. */
  readonly host?: string;
}

const SHAPE = /^(?:(?:\[(?<v6>[^\]]+)\]|(?<host>[^:/\s]*)):)?(?<port>[^:/[\]\s]+)(?:\/(?<proto>tcp|udp))?$/i;

/** Canonical text of an IP literal: dotted quad, or RFC 5952 IPv6 (`::ffff:a.b.c.d` kept as such). */
export function canonicalIp(text: string): string {
  const parsed = ipaddr.parse(text);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const v6 = parsed as ipaddr.IPv6;
  return v6.isIPv4MappedAddress() ? `::ffff:${v6.toIPv4Address().toString()}` : v6.toRFC5952String();
}

/** Checks a port number: an integer 1-65535. @throws PortscopeError `INVALID_ARGUMENT` naming `what`. */
export function checkPort(value: unknown, what = 'port'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new PortscopeError('INVALID_ARGUMENT', `Expected ${what} to be an integer 1-65535, got \`${String(value)}\``);
  }
  return value;
}

/**
 * Parses `port`, `:port`, `port/tcp`, `port/udp`, `host:port` or `[v6]:port` (with an optional `/proto`);
 * the port may be a service name (`http`, `127.0.0.1:ssh`, `domain/udp`; see {@link parsePort}).
 * `host` must be an IP literal (or `localhost`, taken as 127.0.0.1).
 * @throws PortscopeError `INVALID_ARGUMENT` with the text and what was expected.
 */
export function parsePortTarget(text: string): PortTarget {
  const match = SHAPE.exec(text.trim());
  const expected = `Expected a port (1-65535) or service name, :PORT, HOST:PORT, [IPv6]:PORT or PORT/udp, got \`${text}\``;
  if (match?.groups === undefined) throw new PortscopeError('INVALID_ARGUMENT', expected);
  const { v6, host, port: portText = '', proto } = match.groups;
  const protocols = proto === undefined ? (['tcp', 'udp'] as const) : ([proto.toLowerCase() as 'tcp' | 'udp'] as const);
  if (/^\d+$/.test(portText) && (Number(portText) < 1 || Number(portText) > 65535)) {
    throw new PortscopeError('INVALID_ARGUMENT', expected);
  }
  const port = parsePort(portText, { ...(protocols.length === 1 ? { protocol: protocols[0] } : {}) });
  const rawHost = v6 ?? host;
  if (rawHost === undefined || rawHost === '' || rawHost === '*') return { port, protocols };
  const literal = rawHost.toLowerCase() === 'localhost' ? '127.0.0.1' : rawHost;
  if (isIP(literal) === 0 || (v6 !== undefined && isIP(literal) !== 6)) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected an IP address (or localhost) before :${portText}, got \`${rawHost}\``,
    );
  }
  return { port, protocols, host: canonicalIp(literal) };
}
