import ipaddr from 'ipaddr.js';

/** Parses `addr` or `addr/len`; undefined when it is neither. */
function parsePrefix(prefix: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  try {
    if (prefix.includes('/')) return ipaddr.parseCIDR(prefix);
    const addr = ipaddr.parse(prefix);
    return [addr, addr.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

/** True when `address` lies in `prefix` (`10.0.0.0/8`, `2001:db8::/32`, or one address); false across families. */
export function inPrefix(address: string, prefix: string): boolean {
  const p = parsePrefix(prefix);
  let a: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    a = ipaddr.parse(address);
  } catch {
    return false;
  }
  if (p === undefined || p[0].kind() !== a.kind()) return false;
  return a.match(p);
}

/** True when `address` lies in the inclusive range `from`..`to` of the same family. */
export function inRange(address: string, from: string, to: string): boolean {
  try {
    const [a, f, t] = [address, from, to].map((s) => ipaddr.parse(s).toByteArray());
    if (a === undefined || f === undefined || t === undefined || a.length !== f.length || a.length !== t.length)
      return false;
    const cmp = (x: number[], y: number[]) => {
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
      return 0;
    };
    return cmp(a, f) >= 0 && cmp(a, t) <= 0;
  } catch {
    return false;
  }
}

/** `inet` for an IPv4 address or prefix, `inet6` for IPv6, undefined for anything else. */
export function familyOf(prefix: string): 'inet' | 'inet6' | undefined {
  const p = parsePrefix(prefix);
  return p === undefined ? undefined : p[0].kind() === 'ipv4' ? 'inet' : 'inet6';
}

/** The first address of a prefix, in canonical text: a source that stands for it. */
export function networkAddress(prefix: string): string | undefined {
  const p = parsePrefix(prefix);
  if (p === undefined) return undefined;
  const bytes = p[0].toByteArray();
  for (let bit = p[1]; bit < bytes.length * 8; bit++) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) & ~(0x80 >> (bit & 7));
  return ipaddr.fromByteArray(bytes).toString();
}

/** Canonical text of a prefix (`10.0.0.0/8`; one address without `/len`). */
export function canonicalPrefix(prefix: string): string {
  const p = parsePrefix(prefix);
  if (p === undefined) return prefix;
  const full = p[0].kind() === 'ipv4' ? 32 : 128;
  return p[1] === full ? p[0].toString() : `${networkAddress(prefix) ?? ''}/${String(p[1])}`;
}

/** True for loopback (127.0.0.0/8, ::1) and unspecified addresses: no other host sends from them. */
export function isLocalOnly(address: string): boolean {
  try {
    const range = ipaddr.parse(address).range();
    return range === 'loopback' || range === 'unspecified';
  } catch {
    return false;
  }
}
