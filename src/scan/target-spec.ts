import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { PortscopeError, quotePrefix } from '../errors.js';
import { canonicalIp } from '../ports/target.js';

/**
 * One target expression, parsed but not expanded:
 * - `address`: an IPv4 or IPv6 literal;
 * - `cidr`: `10.0.0.0/24`, `fd00::/120` (network and broadcast addresses included, as nmap does);
 * - `octets`: nmap's octet ranges and lists, `192.168.0-255.1-254`, `10.0.3-5,7.1`, `10.0.0.*`;
 * - `name`: a host name, resolved later.
 */
export type TargetSpec =
  | { readonly kind: 'address'; readonly text: string; readonly address: string; readonly family: 4 | 6 }
  | {
      readonly kind: 'cidr';
      readonly text: string;
      readonly base: bigint;
      readonly prefix: number;
      readonly family: 4 | 6;
    }
  | { readonly kind: 'octets'; readonly text: string; readonly octets: readonly (readonly number[])[] }
  | { readonly kind: 'name'; readonly text: string; readonly name: string };

const bad = (text: string, why: string) =>
  new PortscopeError(
    'INVALID_ARGUMENT',
    `Expected a target (an IP address, CIDR such as 10.0.0.0/24, octet ranges such as 10.0.0-3.1-254, or a host name), ${why}: \`${quotePrefix(text)}\``,
  );

function octetValues(part: string, text: string): number[] {
  const values = new Set<number>();
  for (const piece of part.split(',')) {
    const range = /^(\d*)-(\d*)$/.exec(piece);
    if (piece === '*') {
      for (let v = 0; v <= 255; v++) values.add(v);
    } else if (range !== null) {
      const from = range[1] === '' ? 0 : Number(range[1]);
      const to = range[2] === '' ? 255 : Number(range[2]);
      if (from > 255 || to > 255 || from > to) throw bad(text, `got the octet range \`${piece}\` in`);
      for (let v = from; v <= to; v++) values.add(v);
    } else if (/^\d{1,3}$/.test(piece) && Number(piece) <= 255) {
      values.add(Number(piece));
    } else {
      throw bad(text, `got the octet \`${piece}\` in`);
    }
  }
  return [...values].sort((a, b) => a - b);
}

/** The address as an unsigned integer (32 or 128 bits). */
export function addressToBigInt(address: string): bigint {
  return ipaddr
    .parse(address)
    .toByteArray()
    .reduce((n, byte) => (n << 8n) | BigInt(byte), 0n);
}

/** The text of an address from its integer, in the project's canonical form ({@link canonicalIp}). */
export function bigIntToAddress(value: bigint, family: 4 | 6): string {
  const bytes: number[] = [];
  for (let i = 0, v = value; i < (family === 4 ? 4 : 16); i++, v >>= 8n) bytes.unshift(Number(v & 0xffn));
  return canonicalIp(ipaddr.fromByteArray(bytes).toString());
}

/**
 * Parses one target expression (see {@link TargetSpec}). Pure: host names are not resolved here.
 * @throws PortscopeError `INVALID_ARGUMENT` naming the expression and the part that is wrong.
 */
export function parseTargetSpec(text: string): TargetSpec {
  const t = text.trim();
  if (t === '') throw bad(text, 'got an empty target');
  const slash = t.lastIndexOf('/');
  if (slash > 0) {
    const host = t.slice(0, slash);
    const prefixText = t.slice(slash + 1);
    const family = isIP(host);
    if (family === 0) throw bad(text, 'CIDR needs an IP address before the `/`');
    const max = family === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
      throw bad(text, `got the prefix length \`${prefixText}\` (0-${String(max)}) in`);
    }
    const prefix = Number(prefixText);
    const hostBits = BigInt(max - prefix);
    const base = (addressToBigInt(host) >> hostBits) << hostBits;
    return { kind: 'cidr', text: t, base, prefix, family: family as 4 | 6 };
  }
  const family = isIP(t);
  if (family !== 0) {
    return {
      kind: 'address',
      text: t,
      address: canonicalIp(t),
      family: family as 4 | 6,
    };
  }
  const parts = t.split('.');
  if (parts.length === 4 && parts.every((p) => /^[\d,*-]+$/.test(p))) {
    return { kind: 'octets', text: t, octets: parts.map((p) => octetValues(p, text)) };
  }
  if (/^[\d.,*-]+$/.test(t) || t.includes(':')) throw bad(text, 'this is not an address, a range or a name');
  if (!/^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?$/i.test(t)) {
    throw bad(text, 'got an invalid host name');
  }
  return { kind: 'name', text: t, name: t };
}

/** How many addresses a spec stands for (a name counts 1 until resolved). */
export function specSize(spec: TargetSpec): bigint {
  switch (spec.kind) {
    case 'address':
    case 'name':
      return 1n;
    case 'cidr':
      return 1n << BigInt((spec.family === 4 ? 32 : 128) - spec.prefix);
    case 'octets':
      return spec.octets.reduce((n, o) => n * BigInt(o.length), 1n);
  }
}

/** Every address of an address, CIDR or octet spec, in ascending order. */
export function* expandSpec(spec: Exclude<TargetSpec, { kind: 'name' }>): Generator<string> {
  if (spec.kind === 'address') {
    yield spec.address;
  } else if (spec.kind === 'cidr') {
    const size = specSize(spec);
    for (let i = 0n; i < size; i++) yield bigIntToAddress(spec.base + i, spec.family);
  } else {
    const [a = [], b = [], c = [], d = []] = spec.octets;
    for (const w of a)
      for (const x of b)
        for (const y of c) for (const z of d) yield `${String(w)}.${String(x)}.${String(y)}.${String(z)}`;
  }
}

/** True when `address` (canonical text) is covered by an address, CIDR or octet spec. */
export function specContains(spec: Exclude<TargetSpec, { kind: 'name' }>, address: string): boolean {
  const family = isIP(address);
  if (spec.kind === 'address') return spec.address === address;
  if (spec.kind === 'cidr') {
    if (family !== spec.family) return false;
    const hostBits = BigInt((family === 4 ? 32 : 128) - spec.prefix);
    return addressToBigInt(address) >> hostBits === spec.base >> hostBits;
  }
  if (family !== 4) return false;
  return address.split('.').every((octet, i) => spec.octets[i]?.includes(Number(octet)) === true);
}
