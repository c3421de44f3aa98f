import type { FirewallVerdict } from '../types.js';
import { dnatFor } from './dnat.js';
import { decide } from './evaluate.js';
import type { Ruleset } from './ruleset.js';

/** A new connection to a host endpoint that DNAT may send on to a container. */
export interface PublishedQuery {
  readonly family: 'inet' | 'inet6';
  readonly protocol: 'tcp' | 'udp';
  /** Interface it arrives on, and the host address and port it is sent to. */
  readonly interface: string;
  readonly address: string;
  readonly port: number;
  /** The container endpoint it should reach, and the host interface towards it. */
  readonly to: { readonly address: string; readonly port: number };
  readonly outInterface: string;
}

/**
 * Whether the host's packet filter lets a new connection to a published endpoint through to the
 * container: the nat prerouting path must DNAT it to `to` (else `reject`: the host itself
 * answers), then the forward path (nft `hook forward` filter chains, iptables filter FORWARD)
 * must accept it, with conntrack state DNAT. Same verdict shape as {@link evaluateInbound}. Pure.
 */
export function evaluatePublished(ruleset: Ruleset, q: PublishedQuery): FirewallVerdict {
  const base = { family: q.family, protocol: q.protocol, interface: q.interface } as const;
  const nat = dnatFor(ruleset, { ...base, address: q.address, port: q.port, hook: 'input' });
  if (nat === 'none')
    return { verdict: 'reject', reason: `no DNAT applies on ${q.interface}: the host itself answers` };
  if ('unknown' in nat)
    return { verdict: 'unknown', rule: nat.unknown, reason: 'cannot decide whether the DNAT rule applies' };
  if (nat.to.address !== q.to.address || (nat.to.port ?? q.port) !== q.to.port)
    return {
      verdict: 'reject',
      rule: nat.rule,
      reason: `DNATed to ${nat.to.address ?? '?'}:${String(nat.to.port ?? q.port)} instead`,
    };
  const forward = decide(ruleset, {
    ...base,
    address: q.to.address,
    port: q.to.port,
    hook: 'forward',
    outInterface: q.outInterface,
    dnat: true,
  });
  return forward.verdict === 'accept' && forward.rule === undefined ? { ...forward, rule: nat.rule } : forward;
}
