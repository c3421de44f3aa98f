import type { FirewallVerdict } from '../types.js';
import { collectSources } from './sources.js';
import { runIptablesBuiltin } from './ipt-eval.js';
import { baseChains, indexNft, runBaseChain, type NftIndex } from './nft-eval.js';
import type { Outcome, Packet } from './packet.js';
import type { Ruleset } from './ruleset.js';

/** What {@link evaluateInbound} is asked: a new connection to a local port, arriving on one interface. */
export interface InboundQuery {
  readonly family: 'inet' | 'inet6';
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
  /** Input interface name. */
  readonly interface: string;
  /** Destination (local) address. */
  readonly address: string;
}

const indexes = new WeakMap<Ruleset, NftIndex>();

/** The ruleset's nftables part, indexed once per ruleset object. */
export function nftIndexOf(ruleset: Ruleset): NftIndex | undefined {
  if (ruleset.nft === undefined) return undefined;
  let index = indexes.get(ruleset);
  if (index === undefined) {
    index = indexNft(ruleset.nft);
    indexes.set(ruleset, index);
  }
  return index;
}

/** Every stage a packet passes on `hook` (nft base chains by priority, then iptables), each run once. */
export function stages(
  ruleset: Ruleset,
  p: Packet,
  hook: string,
  type: string,
  iptTable: string,
  iptChain: string,
): (() => Outcome)[] {
  const index = nftIndexOf(ruleset);
  const list: (() => Outcome)[] = [];
  if (index !== undefined) {
    for (const chain of baseChains(index, hook, p.family, type)) {
      if (ruleset.iptablesNftTables.has(`${chain.family} ${chain.table}`)) continue;
      list.push(() => runBaseChain(index, chain, p));
    }
  }
  for (const ipt of ruleset.iptables) {
    const table = ipt.family === p.family ? ipt.tables.get(iptTable) : undefined;
    if (table !== undefined && table.policies.has(iptChain))
      list.push(() => runIptablesBuiltin(table, iptChain, p, ipt.family));
  }
  return list;
}

/** The verdict of one concrete packet on the filter path of its hook: every stage must accept it. */
function verdictFor(ruleset: Ruleset, p: Packet): FirewallVerdict {
  const chain = p.hook === 'input' ? 'INPUT' : 'FORWARD';
  let unknown: FirewallVerdict | undefined;
  let accepted: FirewallVerdict | undefined;
  for (const run of stages(ruleset, p, p.hook, 'filter', 'filter', chain)) {
    const out = run();
    if (out.kind === 'drop' || out.kind === 'reject') return { verdict: out.kind, rule: out.rule };
    if (out.kind === 'unknown') unknown ??= { verdict: 'unknown', rule: out.rule, reason: out.reason };
    // A rule that accepts says more than a policy that lets everything through.
    if (out.kind === 'accept' && (accepted === undefined || accepted.rule?.text.startsWith('policy') === true))
      accepted = { verdict: 'accept', rule: out.rule };
  }
  return unknown ?? accepted ?? { verdict: 'accept', reason: 'no firewall rules on this path' };
}

/**
 * The verdict for a packet from any other host, and from each source prefix the ruleset names:
 * `accept` with `sources` when only some of them get in.
 */
export function decide(ruleset: Ruleset, p: Packet): FirewallVerdict {
  const other = verdictFor(ruleset, p);
  if (other.verdict === 'accept' || other.verdict === 'unknown') return other;
  const accepted: { label: string; verdict: FirewallVerdict }[] = [];
  for (const candidate of collectSources(ruleset, p.family, nftIndexOf(ruleset))) {
    const verdict = verdictFor(ruleset, { ...p, source: candidate.address });
    if (verdict.verdict === 'accept') accepted.push({ label: candidate.label, verdict });
  }
  const first = accepted[0];
  if (first === undefined) return other;
  const by = other.rule === undefined ? '' : ` (${other.rule.text})`;
  return {
    verdict: 'accept',
    ...(first.verdict.rule === undefined ? {} : { rule: first.verdict.rule }),
    sources: accepted.map((a) => a.label),
    reason: `only from ${accepted.map((a) => a.label).join(', ')}; other sources: ${other.verdict}${by}`,
  };
}

/**
 * Whether `ruleset` (nftables input-hook base chains by priority, and iptables' filter INPUT,
 * legacy or nft) lets in a new connection from another host: the first packet's verdict, with
 * the deciding rule. A rule that only some source addresses pass gives `accept` with `sources`;
 * a rule that cannot be decided statically (fib lookups, sets of concatenations, xt extensions,
 * source ports...) gives `unknown` naming it. With no firewall at all: `accept`, no rule. Pure.
 */
export function evaluateInbound(ruleset: Ruleset, query: InboundQuery): FirewallVerdict {
  return decide(ruleset, { ...query, hook: 'input' });
}
