import { isIP } from 'node:net';
import type { Family } from '../../model/index.js';
import { servicePorts } from '../../registry/services.js';
import {
  ANY_ADDRESS_WORDS,
  isHostName,
  parseCInteger,
  parseLooseIPv4,
  parsePrefixLength,
  splitHostPort,
} from './host-syntax.js';

/** What a HOST or PORT text means, or `expected` (what should have been written) when it means nothing. */
export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly expected: string };

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const bad = (expected: string): Read<never> => ({ ok: false, expected });

/** A port: a number as C's strtol reads it (`22`, `0x16`, `026`, `+22`), `*`/empty for any, or a service name. */
export function readPort(text: string): Read<number | '*'> {
  if (text === '' || text === '*') return ok('*');
  const n = parseCInteger(text);
  if (n !== undefined) return n <= 65535 ? ok(n) : bad('a port between 0 and 65535');
  const entry = /^[a-z][\w.+-]*$/i.test(text) ? servicePorts(text)[0] : undefined;
  return entry === undefined ? bad('a port number or a known service name') : ok(entry.port);
}

/** A `FAMILY:` prefix of ss's HOST syntax, split off. */
export function splitFamily(text: string): Read<{ family: Family | undefined; rest: string }> {
  const m = /^(inet6|inet|unix|link|netlink|vsock):/.exec(text);
  if (m === null) return ok({ family: undefined, rest: text });
  const name = m[1] ?? '';
  if (name !== 'inet' && name !== 'inet6' && name !== 'unix')
    return bad(`a family that portscope lists (\`inet:\`, \`inet6:\`, \`unix:\`), not \`${name}:\``);
  return ok({ family: name, rest: text.slice(m[0].length) });
}

/** An IP address condition: `address` (`*` for any, or a host name) and a prefix length. */
interface AddressCondition {
  readonly address: string;
  readonly prefixLength?: number;
}

function readAddress(text: string, family: Family | undefined): Read<AddressCondition> {
  if (text === '' || text.startsWith('*')) return ok({ address: '*' });
  const slash = text.indexOf('/');
  const ip = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  if (ANY_ADDRESS_WORDS.has(ip)) return prefixText === undefined ? ok({ address: '*' }) : bad('no prefix after `any`');
  let address: string | undefined;
  let limit = 32;
  if (ip.includes(':')) {
    if (isIP(ip) !== 6 || family === 'inet') return bad('an IPv4 or IPv6 address, a host name or `*`');
    address = ip;
    limit = 128;
  } else {
    address = parseLooseIPv4(ip);
    if (address === undefined) {
      if (prefixText === undefined && isHostName(ip)) return ok({ address: ip });
      return bad('an IPv4 or IPv6 address, a host name or `*`');
    }
    if (family === 'inet6') return bad('an IPv6 address after `inet6:`');
  }
  if (prefixText === undefined) return ok({ address });
  const prefixLength = parsePrefixLength(prefixText, limit);
  if (prefixLength === undefined) return bad(`a prefix length between 0 and ${String(limit)}`);
  return ok({ address, prefixLength });
}

/** An IP host condition: address, prefix length and port (`undefined` for any port). */
export interface IpHost extends AddressCondition {
  readonly port: number | undefined;
}

function readSplit(address: string, portText: string | undefined, family: Family | undefined): Read<IpHost> {
  const where = readAddress(address, family);
  if (!where.ok) return where;
  const port = portText === undefined ? ok<number | '*'>('*') : readPort(portText);
  if (!port.ok) return port;
  return ok({ ...where.value, port: port.value === '*' ? undefined : port.value });
}

/**
 * `ADDRESS[/PREFIX][:PORT]` of an inet host, read as ss reads it (see {@link splitHostPort}); a text that
 * ss cannot read but that is a whole IPv6 address (`::1`, `fe80::1/64`) is that address without a port.
 */
export function readIpHost(text: string, family: Family | undefined): Read<IpHost> {
  const parts = splitHostPort(text);
  if (parts === undefined) return bad('an address such as `10.0.0.1:22` or `[::1]:22`');
  const asSs = readSplit(parts.address, parts.port, family);
  if (asSs.ok || text.startsWith('[')) return asSs;
  const whole = readSplit(text, undefined, family);
  return whole.ok && whole.value.address.includes(':') ? whole : asSs;
}
