import { isObject } from '../../ports/firewall/parse-nft.js';
import type { FirewallRuleRef } from '../types.js';
import { dnatTarget } from './ipt-eval.js';
import { iptablesRuleRef, nftRuleRef } from './rule-ref.js';
import { stages } from './evaluate.js';
import type { Packet } from './packet.js';
import type { Ruleset } from './ruleset.js';

/** A DNAT rule of a nat table: what it matches (protocol, destination port and address) and where it sends. */
export interface DnatRule {
  readonly protocol?: 'tcp' | 'udp';
  /** The destination port it matches; absent when the rule itself names none (a chain above does). */
  readonly port?: number;
  /** The destination address it matches, when it names one. */
  readonly address?: string;
  readonly to: { readonly address?: string; readonly port?: number };
  readonly rule: FirewallRuleRef;
}

const proto = (v: unknown): 'tcp' | 'udp' | undefined =>
  v === 'tcp' || v === 'udp' || v === '6' || v === '17' ? (v === '6' ? 'tcp' : v === '17' ? 'udp' : v) : undefined;

/** Every DNAT rule of the ruleset (nft `dnat to`, iptables `-j DNAT --to-destination`), read as written. Pure. */
export function dnatRules(ruleset: Ruleset): DnatRule[] {
  const found: DnatRule[] = [];
  for (const rule of ruleset.nft?.rules ?? []) {
    const dnat = rule.expr.find((e) => isObject(e) && isObject(e.dnat));
    if (!isObject(dnat) || !isObject(dnat.dnat)) continue;
    let protocol: 'tcp' | 'udp' | undefined;
    let port: number | undefined;
    let address: string | undefined;
    for (const e of rule.expr) {
      if (!isObject(e) || !isObject(e.match) || e.match.op === '!=' || !isObject(e.match.left)) continue;
      const { payload, meta } = e.match.left;
      if (isObject(meta) && meta.key === 'l4proto') protocol ??= proto(e.match.right);
      if (!isObject(payload)) continue;
      if (payload.field === 'dport' && typeof e.match.right === 'number') {
        port = e.match.right;
        protocol ??= proto(payload.protocol);
      }
      if (payload.field === 'daddr' && typeof e.match.right === 'string') address = e.match.right;
    }
    const to = {
      ...(typeof dnat.dnat.addr === 'string' ? { address: dnat.dnat.addr } : {}),
      ...(typeof dnat.dnat.port === 'number' ? { port: dnat.dnat.port } : {}),
    };
    const ref = nftRuleRef(rule);
    found.push({
      ...(protocol ? { protocol } : {}),
      ...(port === undefined ? {} : { port }),
      ...(address ? { address } : {}),
      to,
      rule: ref,
    });
  }
  for (const ipt of ruleset.iptables) {
    for (const rules of ipt.tables.get('nat')?.rules.values() ?? []) {
      for (const rule of rules) {
        const w = rule.words;
        const j = w.indexOf('-j');
        if (w[j + 1] !== 'DNAT') continue;
        const value = (flag: string) => {
          const i = w.indexOf(flag);
          return i < 0 || i > j || w[i - 1] === '!' ? undefined : w[i + 1];
        };
        const protocol = proto(value('-p'));
        const dport = value('--dport');
        const address = value('-d')?.replace(/\/(32|128)$/, '');
        const ref = iptablesRuleRef(rule, ipt.family);
        found.push({
          ...(protocol ? { protocol } : {}),
          ...(dport !== undefined && /^\d+$/.test(dport) ? { port: Number(dport) } : {}),
          ...(address ? { address } : {}),
          to: dnatTarget(w.slice(j + 2)),
          rule: ref,
        });
      }
    }
  }
  return found;
}

/**
 * Where the nat prerouting path (nft `type nat hook prerouting` chains, iptables nat PREROUTING)
 * sends a new connection: the DNAT it applies, `none`, or `unknown` with the rule it cannot decide.
 */
export function dnatFor(
  ruleset: Ruleset,
  p: Packet,
): { to: { address?: string; port?: number }; rule: FirewallRuleRef } | 'none' | { unknown: FirewallRuleRef } {
  for (const run of stages(ruleset, p, 'prerouting', 'nat', 'nat', 'PREROUTING')) {
    const out = run();
    if (out.kind === 'dnat') return { to: out.to, rule: out.rule };
    if (out.kind === 'unknown') return { unknown: out.rule };
  }
  return 'none';
}
