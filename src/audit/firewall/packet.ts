import type { FirewallRuleRef } from '../types.js';

/** What the evaluators know of the first packet of a new inbound connection (or UDP datagram). */
export interface Packet {
  readonly family: 'inet' | 'inet6';
  readonly protocol: 'tcp' | 'udp';
  /** Destination port. */
  readonly port: number;
  /** Input interface. */
  readonly interface: string;
  /** Destination address. */
  readonly address: string;
  /** Source address; undefined for "any other host" (matches no address rule but a /0 one). */
  readonly source?: string;
  /** `input` (to a local socket) or `forward` (DNATed to a container). */
  readonly hook: 'input' | 'forward';
  /** Output interface, known on the forward path. */
  readonly outInterface?: string;
  /** True after DNAT (conntrack state DNAT, `ct status dnat`). */
  readonly dnat?: boolean;
}

/** Three-valued truth of a match: `unknown` when it cannot be decided statically. */
export type Tri = boolean | 'unknown';

/** AND of three-valued truths: false wins, then unknown. */
export function and(a: Tri, b: Tri): Tri {
  if (a === false || b === false) return false;
  return a === 'unknown' || b === 'unknown' ? 'unknown' : true;
}

/** NOT of a three-valued truth. */
export function not(a: Tri): Tri {
  return a === 'unknown' ? a : !a;
}

/** How one chain (or a whole hook) ended for a packet. */
export type Outcome =
  | { readonly kind: 'accept' | 'drop' | 'reject'; readonly rule: FirewallRuleRef }
  | { readonly kind: 'unknown'; readonly rule: FirewallRuleRef; readonly reason: string }
  | { readonly kind: 'dnat'; readonly rule: FirewallRuleRef; readonly to: { address?: string; port?: number } }
  | { readonly kind: 'return' };

/** Deepest chain nesting followed before giving up (a loop, or a pathological ruleset). */
export const MAX_DEPTH = 64;
