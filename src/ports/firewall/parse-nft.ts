import type { FirewallRule } from './rule.js';

/** A JSON value of `nft -j` output, unchecked. */
export type NftJson = unknown;

/** One chain of `nft -j list ruleset`; `hook`, `prio`, `policy` and `type` are set for base chains only. */
export interface NftChain {
  readonly family: string;
  readonly table: string;
  readonly name: string;
  readonly hook?: string;
  readonly prio?: number;
  readonly policy?: string;
  readonly type?: string;
}

/** One rule: where it lives, its handle, and its expressions as nft printed them (match, verdict, ...). */
export interface NftRule {
  readonly family: string;
  readonly table: string;
  readonly chain: string;
  readonly handle?: number;
  readonly expr: readonly NftJson[];
}

/** A named set or map (`map` true): its elements as nft printed them (maps: `[key, value]` pairs). */
export interface NftSet {
  readonly family: string;
  readonly table: string;
  readonly name: string;
  readonly map: boolean;
  readonly elem: readonly NftJson[];
}

/** The chains, rules and named sets/maps of one `nft -j list ruleset` document, in its order. */
export interface NftRuleset {
  readonly chains: readonly NftChain[];
  readonly rules: readonly NftRule[];
  readonly sets: readonly NftSet[];
}

const text = (v: NftJson): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** True for a JSON object (not an array, not null). */
export const isObject = (v: NftJson): v is Record<string, NftJson> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses `nft -j list ruleset` output into chains, rules and named sets and maps. Unknown items
 * are skipped; returns undefined when the text is not JSON or has no `nftables` array.
 */
export function parseNftJson(json: string): NftRuleset | undefined {
  let doc: NftJson;
  try {
    doc = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isObject(doc) || !Array.isArray(doc.nftables)) return undefined;
  const chains: NftChain[] = [];
  const rules: NftRule[] = [];
  const sets: NftSet[] = [];
  for (const item of doc.nftables as NftJson[]) {
    if (!isObject(item)) continue;
    const { chain, rule, set, map } = item;
    if (isObject(chain)) {
      chains.push({
        family: text(chain.family),
        table: text(chain.table),
        name: text(chain.name),
        ...(typeof chain.hook === 'string' ? { hook: chain.hook } : {}),
        ...(typeof chain.prio === 'number' ? { prio: chain.prio } : {}),
        ...(typeof chain.policy === 'string' ? { policy: chain.policy } : {}),
        ...(typeof chain.type === 'string' ? { type: chain.type } : {}),
      });
    } else if (isObject(rule) && Array.isArray(rule.expr)) {
      rules.push({
        family: text(rule.family),
        table: text(rule.table),
        chain: text(rule.chain),
        ...(typeof rule.handle === 'number' ? { handle: rule.handle } : {}),
        expr: rule.expr as NftJson[],
      });
    } else if (isObject(set) || isObject(map)) {
      const s = (isObject(set) ? set : map) as Record<string, NftJson>;
      const elem = Array.isArray(s.elem) ? (s.elem as NftJson[]) : [];
      sets.push({ family: text(s.family), table: text(s.table), name: text(s.name), map: isObject(map), elem });
    }
  }
  return { chains, rules, sets };
}

/** The ports an nft `right` operand names, as text (`80`, `9100-9200`), and whether `port` is among them. */
function portsOf(right: NftJson, port: number): { text: string; has: boolean } | undefined {
  if (typeof right === 'number') return { text: String(right), has: right === port };
  if (!isObject(right)) return undefined;
  const range = right.range;
  if (Array.isArray(range) && typeof range[0] === 'number' && typeof range[1] === 'number') {
    return { text: `${String(range[0])}-${String(range[1])}`, has: port >= range[0] && port <= range[1] };
  }
  const set = right.set;
  if (Array.isArray(set)) {
    const items = set.map((item) => portsOf(item, port)).filter((i) => i !== undefined);
    return { text: `{ ${items.map((i) => i.text).join(', ')} }`, has: items.some((i) => i.has) };
  }
  return undefined;
}

/** The transport protocol and destination-port operand of an nft `match` on `tcp dport`, `udp dport` or `th dport`. */
function dportMatch(expr: NftJson): { protocol: string; op: string; right: NftJson } | undefined {
  if (!isObject(expr) || !isObject(expr.match)) return undefined;
  const { left, op, right } = expr.match;
  if (!isObject(left) || !isObject(left.payload)) return undefined;
  const { protocol, field } = left.payload;
  if (field !== 'dport' || typeof protocol !== 'string') return undefined;
  return { protocol, op: typeof op === 'string' ? op : '==', right };
}

/**
 * The rules in `nft -j list ruleset` output that drop or reject `protocol` traffic to `port`
 * (a `tcp|udp|th dport` match that covers the port, and a `drop` or `reject` verdict), and the
 * base chains whose policy is drop. Rules with other conditions (addresses, interfaces) are
 * included: they may apply. Malformed input gives an empty list.
 */
export function parseNftRuleset(json: string, port: number, protocol: 'tcp' | 'udp'): FirewallRule[] {
  const ruleset = parseNftJson(json);
  if (ruleset === undefined) return [];
  const rules: FirewallRule[] = [];
  for (const chain of ruleset.chains) {
    if (chain.policy !== 'drop' || chain.hook === undefined) continue;
    rules.push({
      source: 'nft',
      family: chain.family,
      table: chain.table,
      chain: chain.name,
      verdict: 'drop',
      policy: true,
      text: `${chain.family} ${chain.table} ${chain.name}: hook ${chain.hook} policy drop (what no rule accepts is dropped)`,
    });
  }
  for (const rule of ruleset.rules) {
    const verdict = rule.expr.some((e) => isObject(e) && 'drop' in e)
      ? 'drop'
      : rule.expr.some((e) => isObject(e) && 'reject' in e)
        ? 'reject'
        : undefined;
    if (verdict === undefined) continue;
    for (const expr of rule.expr) {
      const match = dportMatch(expr);
      if (match === undefined || (match.protocol !== protocol && match.protocol !== 'th')) continue;
      const ports = portsOf(match.right, port);
      if (ports === undefined) continue;
      const negated = match.op === '!=';
      if (ports.has === negated) continue;
      const others = rule.expr.length > 2 ? ' (with other conditions)' : '';
      rules.push({
        source: 'nft',
        family: rule.family,
        table: rule.table,
        chain: rule.chain,
        verdict,
        policy: false,
        text: `${rule.family} ${rule.table} ${rule.chain}: ${match.protocol} dport ${negated ? '!= ' : ''}${ports.text} ${verdict}${others} (handle ${rule.handle === undefined ? '' : String(rule.handle)})`,
      });
      break;
    }
  }
  return rules;
}
