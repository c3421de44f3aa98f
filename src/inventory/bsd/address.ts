import type { Endpoint } from '../../model/index.js';

/** An endpoint as the BSD tools print it, with the family its address shows. */
export interface ParsedEndpoint extends Endpoint {
  /** `inet6` when the address has a colon; `undefined` for a wildcard (`*`), whose family the row says. */
  readonly family: 'inet' | 'inet6' | undefined;
}

const NONE: ParsedEndpoint = { address: '', port: 0, family: undefined };

function endpoint(host: string, port: string): ParsedEndpoint | undefined {
  const number = port === '*' ? 0 : /^\d+$/.test(port) ? Number(port) : NaN;
  if (!Number.isInteger(number) || number > 65535) return undefined;
  if (host === '*') return { address: '', port: number, family: undefined };
  return { address: host, port: number, family: host.includes(':') ? 'inet6' : 'inet' };
}

/**
 * `ADDRESS.PORT` as BSD netstat prints it: `192.168.1.5.52134`, `*.8809`, `*.*`, `::1.5173`,
 * `fe80::1%lo0.1024` (the scope id is kept in the address, as RFC 4007 writes it). The port is after the
 * last dot. A wildcard address is `''` (the caller puts the family's any-address in).
 * Undefined when the text has no `.PORT`.
 */
export function parseDottedEndpoint(text: string): ParsedEndpoint | undefined {
  if (text === '*.*') return NONE;
  const dot = text.lastIndexOf('.');
  if (dot <= 0) return undefined;
  return endpoint(text.slice(0, dot), text.slice(dot + 1));
}

/**
 * `ADDRESS:PORT` as lsof and FreeBSD sockstat print it: `127.0.0.1:5173`, `*:5173`, `*:*`, `[::1]:8080`,
 * `[fe80::1%lo0]:1024`, and sockstat's unbracketed `::1:25`. Undefined when the text has no `:PORT`.
 */
export function parseColonEndpoint(text: string): ParsedEndpoint | undefined {
  if (text === '*:*') return NONE;
  if (text.startsWith('[')) {
    const close = text.indexOf(']:');
    return close < 0 ? undefined : endpoint(text.slice(1, close), text.slice(close + 2));
  }
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  return endpoint(text.slice(0, colon), text.slice(colon + 1));
}

/** The any-address of a family, for a wildcard endpoint: `0.0.0.0` or `::`. */
export function anyAddress(family: 'inet' | 'inet6'): string {
  return family === 'inet6' ? '::' : '0.0.0.0';
}
