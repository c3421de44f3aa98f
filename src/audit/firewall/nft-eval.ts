import {
  isObject,
  type NftChain,
  type NftJson,
  type NftRule,
  type NftRuleset,
  type NftSet,
} from '../../ports/firewall/parse-nft.js';
import { nftRuleRef as ref } from './rule-ref.js';
import { compare, leftValue, type SetLookup } from './nft-value.js';
import { and, MAX_DEPTH, type Outcome, type Packet, type Tri } from './packet.js';

/** An nftables ruleset indexed for evaluation: rules by chain, named sets by table. */
export interface NftIndex {
  readonly ruleset: NftRuleset;
  readonly rulesByChain: ReadonlyMap<string, readonly NftRule[]>;
  readonly sets: ReadonlyMap<string, NftSet>;
}

const chainKey = (family: string, table: string, chain: string) => `${family}\u0000${table}\u0000${chain}`;

/** Indexes a parsed ruleset once, for many evaluations. */
export function indexNft(ruleset: NftRuleset): NftIndex {
  const rulesByChain = new Map<string, NftRule[]>();
  for (const rule of ruleset.rules) {
    const key = chainKey(rule.family, rule.table, rule.chain);
    const list = rulesByChain.get(key) ?? [];
    list.push(rule);
    rulesByChain.set(key, list);
  }
  const sets = new Map(ruleset.sets.map((s) => [chainKey(s.family, s.table, s.name), s]));
  return { ruleset, rulesByChain, sets };
}

/** The outcome of a verdict object (`{"accept": null}`, `{"jump": {...}}`), or undefined when it is none. */
function verdictOf(
  e: NftJson,
  rule: NftRule,
  p: Packet,
  index: NftIndex,
  depth: number,
): Outcome | 'continue' | undefined {
  if (!isObject(e)) return undefined;
  if ('accept' in e) return { kind: 'accept', rule: ref(rule) };
  if ('drop' in e) return { kind: 'drop', rule: ref(rule) };
  if ('reject' in e) return { kind: 'reject', rule: ref(rule) };
  if ('return' in e) return { kind: 'return' };
  if ('continue' in e) return 'continue';
  if ('queue' in e) return { kind: 'unknown', rule: ref(rule), reason: 'the packet is queued to a userspace program' };
  if (isObject(e.dnat))
    return {
      kind: 'dnat',
      rule: ref(rule),
      to: {
        ...(typeof e.dnat.addr === 'string' ? { address: e.dnat.addr } : {}),
        ...(typeof e.dnat.port === 'number' ? { port: e.dnat.port } : {}),
      },
    };
  for (const kind of ['jump', 'goto'] as const) {
    const target = e[kind];
    if (!isObject(target)) continue;
    const inner = runChain(index, rule.family, rule.table, String(target.target), p, depth + 1);
    // A goto does not come back: the called chain's end is this chain's end.
    if (inner.kind === 'return') return kind === 'goto' ? inner : 'continue';
    return inner;
  }
  return undefined;
}

/** Runs one rule: its matches, then its statements. Undefined: the rule did not decide. */
function runRule(rule: NftRule, p: Packet, index: NftIndex, depth: number): Outcome | undefined {
  const sets: SetLookup = (name) => index.sets.get(chainKey(rule.family, rule.table, name));
  let truth: Tri = true;
  let why = '';
  for (const e of rule.expr) {
    if (!isObject(e)) continue;
    if (isObject(e.match)) {
      const value = leftValue(e.match.left, p);
      const t = compare(value, String(e.match.op), e.match.right, sets);
      if (t === 'unknown' && why === '') why = value.kind === 'unknown' ? value.reason : 'an operand it cannot read';
      truth = and(truth, t);
      if (truth === false) return undefined;
      continue;
    }
    if ('xt' in e) {
      truth = and(truth, 'unknown');
      why ||= 'an iptables extension (xt) it cannot read';
      continue;
    }
    if (isObject(e.vmap)) {
      if (truth === 'unknown') return { kind: 'unknown', rule: ref(rule), reason: why };
      const value = leftValue(e.vmap.key, p);
      const data = e.vmap.data;
      const pairs =
        isObject(data) && Array.isArray(data.set)
          ? (data.set as NftJson[])
          : typeof data === 'string' && data.startsWith('@')
            ? (sets(data.slice(1))?.elem ?? [])
            : [];
      for (const pair of pairs) {
        const entry: unknown = Array.isArray(pair) ? pair : isObject(pair) ? pair.elem : undefined;
        const [key, verdict] = Array.isArray(entry) ? (entry as NftJson[]) : [];
        const t = compare(value, '==', key, sets);
        if (t === 'unknown')
          return { kind: 'unknown', rule: ref(rule), reason: 'a verdict map on a value it cannot read' };
        if (!t) continue;
        const out = verdictOf(verdict, rule, p, index, depth);
        if (out === 'continue') break;
        return out;
      }
      continue;
    }
    const out = verdictOf(e, rule, p, index, depth);
    if (out === undefined) continue;
    if (truth === 'unknown') return { kind: 'unknown', rule: ref(rule), reason: `cannot decide ${why}` };
    if (out === 'continue') return undefined;
    return out;
  }
  return undefined;
}

/** Runs a chain's rules in order; `return` when none decides. */
export function runChain(index: NftIndex, family: string, table: string, chain: string, p: Packet, depth = 0): Outcome {
  if (depth > MAX_DEPTH)
    return {
      kind: 'unknown',
      rule: { source: 'nftables', family, table, chain, text: `jump ${chain}` },
      reason: `chains nest deeper than ${String(MAX_DEPTH)}`,
    };
  for (const rule of index.rulesByChain.get(chainKey(family, table, chain)) ?? []) {
    const out = runRule(rule, p, index, depth);
    if (out !== undefined) return out;
  }
  return { kind: 'return' };
}

/** Base chains a packet of this family meets on `hook`, lowest priority first (the order the kernel runs them). */
export function baseChains(index: NftIndex, hook: string, family: 'inet' | 'inet6', type?: string): NftChain[] {
  const families = family === 'inet' ? ['inet', 'ip'] : ['inet', 'ip6'];
  return index.ruleset.chains
    .filter((c) => c.hook === hook && families.includes(c.family) && (type === undefined || c.type === type))
    .sort((a, b) => (a.prio ?? 0) - (b.prio ?? 0));
}

/** Runs a base chain; falling off its end applies its policy. */
export function runBaseChain(index: NftIndex, chain: NftChain, p: Packet): Outcome {
  const out = runChain(index, chain.family, chain.table, chain.name, p);
  if (out.kind !== 'return') return out;
  const policy = chain.policy === 'drop' ? 'drop' : 'accept';
  return {
    kind: policy,
    rule: { source: 'nftables', family: chain.family, table: chain.table, chain: chain.name, text: `policy ${policy}` },
  };
}
