import { isObject, type NftJson } from '../../ports/firewall/parse-nft.js';
import { canonicalPrefix, familyOf, isLocalOnly, networkAddress } from './address.js';
import type { NftIndex } from './nft-eval.js';
import type { Ruleset } from './ruleset.js';

/** A source prefix a rule names, and one address in it that stands for it. */
export interface SourceCandidate {
  readonly label: string;
  readonly address: string;
}

/** At most this many source prefixes are tried (a blocklist of thousands would make audits slow). */
const MAX_CANDIDATES = 64;

function nftOperands(right: NftJson, index: NftIndex | undefined, family: string, table: string, out: string[]): void {
  if (typeof right === 'string') {
    if (right.startsWith('@')) {
      const set = index?.sets.get(`${family}\u0000${table}\u0000${right.slice(1)}`);
      for (const e of set?.elem ?? []) nftOperands(e, index, family, table, out);
    } else out.push(right);
  } else if (Array.isArray(right)) for (const e of right) nftOperands(e, index, family, table, out);
  else if (isObject(right)) {
    if (isObject(right.prefix)) out.push(`${String(right.prefix.addr)}/${String(right.prefix.len)}`);
    else if (Array.isArray(right.range)) out.push(String(right.range[0]));
    else if (Array.isArray(right.set)) nftOperands(right.set, index, family, table, out);
    else if (isObject(right.elem)) nftOperands(right.elem.val, index, family, table, out);
  }
}

/**
 * Source prefixes named by the ruleset's address matches (`ip saddr`, `ip6 saddr`, `-s`) for one
 * family, loopback ones left out (no other host sends from them).
 */
export function collectSources(
  ruleset: Ruleset,
  family: 'inet' | 'inet6',
  index: NftIndex | undefined,
): SourceCandidate[] {
  const prefixes: string[] = [];
  for (const rule of ruleset.nft?.rules ?? []) {
    for (const e of rule.expr) {
      if (!isObject(e) || !isObject(e.match) || !isObject(e.match.left)) continue;
      const payload = e.match.left.payload;
      if (isObject(payload) && payload.field === 'saddr')
        nftOperands(e.match.right, index, rule.family, rule.table, prefixes);
    }
  }
  for (const ipt of ruleset.iptables) {
    if (ipt.family !== family) continue;
    for (const table of ipt.tables.values())
      for (const rules of table.rules.values())
        for (const rule of rules) {
          const i = rule.words.findIndex((w) => w === '-s' || w === '--source');
          if (i >= 0) prefixes.push(...(rule.words[i + 1] ?? '').split(','));
        }
  }
  const seen = new Map<string, SourceCandidate>();
  for (const prefix of prefixes) {
    const address = networkAddress(prefix);
    if (address === undefined || familyOf(prefix) !== family || isLocalOnly(address) || prefix.endsWith('/0')) continue;
    const label = canonicalPrefix(prefix);
    if (!seen.has(label)) seen.set(label, { label, address });
    if (seen.size >= MAX_CANDIDATES) break;
  }
  return [...seen.values()];
}
