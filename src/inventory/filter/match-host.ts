import ipaddr from 'ipaddr.js';
import { PortscopeError } from '../../errors.js';
import type { Socket } from '../../model/index.js';
import type { HostNode } from './ast.js';
import { fnmatchRegExp } from './glob.js';

type Ip = ipaddr.IPv4 | ipaddr.IPv6;

/** A compiled address condition: an address and how many leading bits must match. */
interface Range {
  readonly ip: Ip;
  readonly bits: number;
}

/**
 * The number ss compares with a port: the port of an inet socket; for a unix socket the inode
 * (local) or the peer's inode (peer), as ss's unix reader fills its port fields.
 */
export function portOf(s: Socket, side: 'local' | 'peer'): number {
  if (s.family !== 'unix') return s[side].port;
  return side === 'local' ? (s.inode ?? 0) : (s.unix?.peerInode ?? 0);
}

/** True when the node holds a unix name glob rather than an IP condition. */
function isUnixHost(node: HostNode): boolean {
  return node.unix ?? (node.address.startsWith('/') || node.address.startsWith('@'));
}

/**
 * The kernel's inet_diag rule: same family, leading bits equal; an IPv4 condition also matches an
 * IPv4-mapped IPv6 address, but an IPv6 condition (even `::ffff:a.b.c.d`) never matches an IPv4 socket.
 */
function inRange(ip: Ip, range: Range): boolean {
  if (ip.kind() === range.ip.kind()) return ip.match(range.ip, range.bits);
  if (ip instanceof ipaddr.IPv6 && range.ip instanceof ipaddr.IPv4 && ip.isIPv4MappedAddress())
    return ip.toIPv4Address().match(range.ip, range.bits);
  return false;
}

/** True when the first `bits` bits of the range's address are zero. */
function isZeroPrefix(range: Range): boolean {
  return range.ip.toByteArray().every((byte, i) => byte === 0 || i * 8 >= range.bits);
}

function ranges(node: HostNode, hostAddresses: ((name: string) => readonly string[]) | undefined): Range[] {
  if (ipaddr.isValid(node.address)) {
    const ip = ipaddr.parse(node.address);
    return [{ ip, bits: node.prefixLength ?? (ip.kind() === 'ipv4' ? 32 : 128) }];
  }
  if (hostAddresses === undefined) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected \`context.hostAddresses\` to resolve the host name \`${node.address}\``,
    );
  }
  const found = hostAddresses(node.address).filter((a) => ipaddr.isValid(a));
  if (found.length === 0) {
    throw new PortscopeError(
      'INVALID_FILTER',
      `Expected an address or a host name of /etc/hosts, got \`${node.address}\``,
    );
  }
  return found.map((a) => {
    const ip = ipaddr.parse(a);
    return { ip, bits: ip.kind() === 'ipv4' ? 32 : 128 };
  });
}

/**
 * Compiles a `src`/`dst` condition to a test of one socket (without `negate`). Unix globs match
 * unix names only (unnamed = `''`). On a unix socket an IP condition's port is compared with the inode,
 * and its address matches as in ss: `*` or a prefix of length 0 every socket, an all-zero address
 * (`0.0.0.0`, `::`) an unnamed end (a unix peer is always unnamed, as ss reads it), nothing else.
 * @throws PortscopeError `INVALID_FILTER` for a host name that /etc/hosts does not know.
 */
export function hostMatcher(
  node: HostNode,
  hostAddresses: ((name: string) => readonly string[]) | undefined,
): (s: Socket) => boolean {
  const side = node.side;
  if (isUnixHost(node)) {
    const pattern = fnmatchRegExp(node.address);
    return (s) => s.family === 'unix' && pattern.test(s[side].address);
  }
  const portOk = (s: Socket) => node.port === undefined || portOf(s, side) === node.port;
  if (node.address === '*' || node.address === '') return portOk;
  const wanted = ranges(node, hostAddresses);
  const cache = new Map<string, boolean>();
  const anyUnix = wanted.some((r) => r.bits === 0);
  const unnamedUnix = wanted.some(isZeroPrefix);
  return (s) => {
    if (!portOk(s)) return false;
    // ss compares the IP with the raw bytes of a unix socket's name record: all zero when unnamed.
    if (s.family === 'unix') return anyUnix || (unnamedUnix && s[side].address === '');
    const address = s[side].address;
    let hit = cache.get(address);
    if (hit === undefined) {
      const ip = ipaddr.isValid(address) ? ipaddr.parse(address) : undefined;
      hit = ip !== undefined && wanted.some((r) => inRange(ip, r));
      cache.set(address, hit);
    }
    return hit;
  };
}
