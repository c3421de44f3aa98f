import type { FirewallRule } from './rule.js';

type Json = unknown;

const text = (v: Json): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The ports an nft `right` operand names, as text (`80`, `9100-9200`), and whether `port` is among them. */
function portsOf(right: Json, port: number): { text: string; has: boolean } | undefined {
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
function dportMatch(expr: Json): { protocol: string; op: string; right: Json } | undefined {
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
  let doc: Json;
  try {
    doc = JSON.parse(json);
  } catch {
    return [];
  }
  const items = isObject(doc) && Array.isArray(doc.nftables) ? doc.nftables : [];
  const rules: FirewallRule[] = [];
  for (const item of items) {
    if (!isObject(item)) continue;
    const { chain, rule } = item;
    if (isObject(chain) && chain.policy === 'drop' && typeof chain.hook === 'string') {
      const [family, table, name] = [text(chain.family), text(chain.table), text(chain.name)];
      rules.push({
        source: 'nft',
        family,
        table,
        chain: name,
        verdict: 'drop',
        policy: true,
        text: `${family} ${table} ${name}: hook ${text(chain.hook)} policy drop (what no rule accepts is dropped)`,
      });
    }
    if (!isObject(rule) || !Array.isArray(rule.expr)) continue;
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
      const [family, table, chainName] = [text(rule.family), text(rule.table), text(rule.chain)];
      const others = rule.expr.length > 2 ? ' (with other conditions)' : '';
      rules.push({
        source: 'nft',
        family,
        table,
        chain: chainName,
        verdict,
        policy: false,
        text: `${family} ${table} ${chainName}: ${match.protocol} dport ${negated ? '!= ' : ''}${ports.text} ${verdict}${others} (handle ${text(rule.handle)})`,
      });
      break;
    }
  }
  return rules;
}
