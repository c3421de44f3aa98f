import { isObject, type NftJson } from '../../ports/firewall/parse-nft.js';

/** An nft operand as `nft list ruleset` prints it (close enough to paste back). */
function operand(v: NftJson): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v.startsWith('@') ? v : /^[\w.:/-]+$/.test(v) ? v : `"${v}"`;
  if (Array.isArray(v)) return v.map(operand).join(', ');
  if (!isObject(v)) return String(v);
  if (isObject(v.payload)) return `${String(v.payload.protocol)} ${String(v.payload.field)}`;
  if (isObject(v.meta)) {
    const key = String(v.meta.key);
    return ['iifname', 'oifname', 'iif', 'oif', 'l4proto', 'mark'].includes(key) ? key : `meta ${key}`;
  }
  if (isObject(v.ct)) return `ct ${String(v.ct.key)}`;
  if (isObject(v.prefix)) return `${String(v.prefix.addr)}/${String(v.prefix.len)}`;
  if (Array.isArray(v.range)) return `${operand(v.range[0])}-${operand(v.range[1])}`;
  if (Array.isArray(v.set)) return `{ ${(v.set as NftJson[]).map(operand).join(', ')} }`;
  if (Array.isArray(v['&'])) return `${operand(v['&'][0])} & (${operand(v['&'][1])})`;
  if (Array.isArray(v['|'])) return (v['|'] as NftJson[]).map(operand).join(' | ');
  if (isObject(v.elem)) return operand(v.elem.val);
  if (Array.isArray(v.concat)) return (v.concat as NftJson[]).map(operand).join(' . ');
  return Object.keys(v)[0] ?? '?';
}

/** A verdict-map entry or a statement object as text. */
function statement(e: NftJson): string {
  if (!isObject(e)) return String(e);
  const [key] = Object.keys(e);
  if (key === undefined) return '';
  const body = e[key];
  if (key === 'match' && isObject(body)) {
    const op = body.op === '==' || body.op === 'in' ? '' : `${String(body.op)} `;
    return `${operand(body.left)} ${op}${operand(body.right)}`;
  }
  if ((key === 'jump' || key === 'goto') && isObject(body)) return `${key} ${String(body.target)}`;
  if (key === 'vmap' && isObject(body)) {
    const data = body.data;
    const entries =
      isObject(data) && Array.isArray(data.set)
        ? `{ ${(data.set as NftJson[]).map((p) => (Array.isArray(p) ? `${operand(p[0])} : ${statement(p[1])}` : operand(p))).join(', ')} }`
        : operand(data);
    return `${operand(body.key)} vmap ${entries}`;
  }
  if (key === 'reject' && isObject(body) && body.expr !== undefined)
    return `reject with ${operand(body.type)} ${operand(body.expr)}`;
  if ((key === 'dnat' || key === 'snat') && isObject(body))
    return `${key} to ${operand(body.addr ?? '')}${body.port === undefined ? '' : `:${operand(body.port)}`}`;
  return key;
}

/** An nft rule's expressions as one line, the way `nft list ruleset` prints the rule. */
export function nftRuleText(expr: readonly NftJson[]): string {
  return expr
    .map(statement)
    .filter((s) => s !== '')
    .join(' ');
}
