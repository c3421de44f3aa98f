import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { PortscopeError } from '../errors.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses an address or CIDR (`10.0.0.0/8`, `::1`, `fd00::/8`). @throws PortscopeError `INVALID_ARGUMENT`. */
function parseRange(text: string, option: string): Range {
  try {
    if (text.includes('/')) return ipaddr.parseCIDR(text);
    if (isIP(text) !== 0) {
      const address = ipaddr.parse(text);
      return [address, address.kind() === 'ipv4' ? 32 : 128];
    }
  } catch {
    // fall through to the one-line error
  }
  throw new PortscopeError(
    'INVALID_ARGUMENT',
    `Expected ${option} to be an IP address or CIDR (10.0.0.0/8, ::1, fd00::/8), got \`${text}\``,
  );
}

/**
 * Builds the check of `--allow` and `--deny`: a peer is accepted when it matches no deny range and,
 * if allow ranges are given, at least one of them. IPv4-mapped IPv6 peers (`::ffff:10.1.2.3`, seen
 * on a dual-stack listener) are matched as IPv4. Returns null when every peer is accepted.
 * @throws PortscopeError `INVALID_ARGUMENT` for a bad range.
 */
export function accessCheck(
  allow: readonly string[] = [],
  deny: readonly string[] = [],
): ((address: string) => 'accepted' | 'denied' | 'not-allowed') | null {
  if (allow.length === 0 && deny.length === 0) return null;
  const allowed = allow.map((a) => parseRange(a, '--allow'));
  const denied = deny.map((d) => parseRange(d, '--deny'));
  const inAny = (address: ipaddr.IPv4 | ipaddr.IPv6, ranges: readonly Range[]) =>
    ranges.some(([base, bits]) => address.kind() === base.kind() && address.match([base, bits] as never));
  return (text) => {
    let address: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      address = ipaddr.process(text);
    } catch {
      return allowed.length > 0 ? 'not-allowed' : 'accepted';
    }
    if (inAny(address, denied)) return 'denied';
    if (allowed.length > 0 && !inAny(address, allowed)) return 'not-allowed';
    return 'accepted';
  };
}
