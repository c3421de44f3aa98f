/**
 * The pieces of ss's HOST and PORT syntax, read as ss reads them (misc/ss.c parse_hostcond,
 * lib/utils.c get_prefix_1), as pure functions of the text.
 */

/** An integer written as C's strtol/strtoul with base 0 reads it: `80`, `0x50`, `0120` (octal), `+80`. */
export function parseCInteger(text: string): number | undefined {
  const m = /^\+?(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9]\d*))$/.exec(text);
  if (m === null) return undefined;
  if (m[1] !== undefined) return Number.parseInt(m[1], 16);
  if (m[2] !== undefined) return Number.parseInt(m[2], 8);
  return Number(m[3]);
}

/**
 * An IPv4 address as iproute2 reads it: one to four dot-separated parts, each a C integer up to 255,
 * missing parts zero (`10.8` is 10.8.0.0, `10` is 10.0.0.0). Returns the dotted quad.
 */
export function parseLooseIPv4(text: string): string | undefined {
  const parts = text.split('.');
  if (parts.length > 4) return undefined;
  const bytes = parts.map(parseCInteger);
  if (bytes.some((b) => b === undefined || b > 255)) return undefined;
  while (bytes.length < 4) bytes.push(0);
  return bytes.join('.');
}

/** A prefix length: a C integer, or a contiguous dotted netmask (`255.0.0.0` is 8). */
export function parsePrefixLength(text: string, limit: number): number | undefined {
  const n = parseCInteger(text);
  if (n !== undefined) return n <= limit ? n : undefined;
  const mask = parseLooseIPv4(text);
  if (mask === undefined || limit !== 32) return undefined;
  const bits = mask
    .split('.')
    .map((b) => Number(b).toString(2).padStart(8, '0'))
    .join('');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') < 0 ? 32 : bits.indexOf('0')) : undefined;
}

/** ss's words for "any address" (iproute2 reads them as a prefix of length 0). */
export const ANY_ADDRESS_WORDS = new Set(['any', 'all', 'default']);

/** An address split from its port: `port` undefined when none was written. */
export interface HostParts {
  readonly address: string;
  readonly port: string | undefined;
}

/**
 * Splits `ADDRESS[:PORT]` as ss does: `[v6]:port` (or `[v6]port`), `*:port` (or `*port`), else at
 * the last `:` after any `/`. A bare IPv6 address therefore gives up its last group as the port
 * (`::1:22` is ::1 port 22), as in ss; the parser reads the whole text as an address when this
 * reading fails (`::1`, `fe80::1`), where ss gives an error.
 */
export function splitHostPort(text: string): HostParts | undefined {
  const portAfter = (rest: string) => (rest === '' ? undefined : rest.startsWith(':') ? rest.slice(1) : rest);
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    return { address: text.slice(1, close), port: portAfter(text.slice(close + 1)) };
  }
  if (text.startsWith('*')) return { address: '', port: portAfter(text.slice(1)) };
  const colon = text.lastIndexOf(':');
  if (colon < 0 || colon < text.indexOf('/')) return { address: text, port: undefined };
  return { address: text.slice(0, colon), port: text.slice(colon + 1) };
}

/** A host name as /etc/hosts may hold one: letters, digits, `-`, `_` and dots, with at least one letter. */
export function isHostName(text: string): boolean {
  return /^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$/i.test(text) && /[a-z_]/i.test(text);
}
