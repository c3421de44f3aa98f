import type { Policy } from '../policy/types.js';

/** One group of ports to let in: a protocol, and a family when the policy narrows it (else both). */
export interface AllowedPorts {
  readonly protocol: 'tcp' | 'udp';
  readonly family?: 'inet' | 'inet6';
  /** Ascending, without duplicates. */
  readonly ports: readonly number[];
}

/**
 * The ports that the policy's network-reachable listeners (scope not `loopback`) of namespace `netns`
 * use, grouped by protocol and family. Loopback-scoped entries need no rule: loopback is let in whole.
 */
export function allowedPorts(policy: Policy, netns: string): AllowedPorts[] {
  const groups = new Map<string, Set<number>>();
  for (const e of policy.listeners) {
    if ((e.netns ?? 'host') !== netns || e.scope === 'loopback') continue;
    const key = `${e.protocol}/${e.family ?? ''}`;
    groups.set(key, (groups.get(key) ?? new Set()).add(e.port));
  }
  return [...groups]
    .map(([key, ports]) => {
      const [protocol, family] = key.split('/') as ['tcp' | 'udp', 'inet' | 'inet6' | ''];
      return { protocol, ...(family === '' ? {} : { family }), ports: [...ports].sort((a, b) => a - b) };
    })
    .sort((a, b) => a.protocol.localeCompare(b.protocol) || (a.family ?? '').localeCompare(b.family ?? ''));
}

/** ICMP types a host must let in for path MTU discovery and error reporting (RFC 4890 for IPv6). */
export const ICMP4_NEEDED = ['destination-unreachable', 'time-exceeded', 'parameter-problem'] as const;
/** ICMPv6 types needed: errors (packet-too-big for PMTU) and neighbour discovery. */
export const ICMP6_NEEDED = [
  'destination-unreachable',
  'packet-too-big',
  'time-exceeded',
  'parameter-problem',
  'nd-router-advert',
  'nd-neighbor-solicit',
  'nd-neighbor-advert',
] as const;
