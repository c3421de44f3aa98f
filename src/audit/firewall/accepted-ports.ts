import { isObject, type NftJson } from '../../ports/firewall/parse-nft.js';
import type { FirewallRuleRef } from '../types.js';
import { nftIndexOf } from './evaluate.js';
import { iptablesRuleRef, nftRuleRef } from './rule-ref.js';
import type { Ruleset } from './ruleset.js';

/** A port some rule accepts. */
export interface AcceptedPort {
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
  readonly rule: FirewallRuleRef;
}

/** Ranges wider than this are not listed port by port (a `1024-65535` accept names no service). */
const MAX_RANGE = 256;

function expand(spec: NftJson, sets: (name: string) => readonly NftJson[], out: number[]): void {
  if (typeof spec === 'number') out.push(spec);
  else if (typeof spec === 'string' && spec.startsWith('@')) for (const e of sets(spec.slice(1))) expand(e, sets, out);
  else if (Array.isArray(spec)) for (const e of spec) expand(e, sets, out);
  else if (isObject(spec)) {
    if (Array.isArray(spec.set)) expand(spec.set, sets, out);
    else if (isObject(spec.elem)) expand(spec.elem.val, sets, out);
    else if (Array.isArray(spec.range)) {
      const [from, to] = spec.range.map(Number);
      if (from !== undefined && to !== undefined && to - from < MAX_RANGE) for (let p = from; p <= to; p++) out.push(p);
    }
  }
}

function expandText(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const [from, to] = part.split(/[:-]/).map(Number);
    if (from === undefined || Number.isNaN(from)) continue;
    const last = to === undefined || Number.isNaN(to) ? from : to;
    if (last - from < MAX_RANGE) for (let p = from; p <= last; p++) out.push(p);
  }
  return out;
}

/** True for a multicast destination (`224.0.0.251`, `239.255.255.250/32`, `ff02::fb`). */
function isMulticast(address: string): boolean {
  const first = address.split(/[./:]/)[0]?.toLowerCase() ?? '';
  if (address.includes(':')) return first.startsWith('ff');
  const octet = Number(first);
  return octet >= 224 && octet <= 239;
}

/**
 * A rule that opens no port for a service: it matches the source port (a client's replies, such as
 * ufw's DHCP rule `--sport 67 --dport 68`) or a multicast destination (ufw's mDNS and SSDP rules).
 */
function opensNoService(matches: readonly { field: string; value: unknown }[]): boolean {
  return matches.some(
    ({ field, value }) => field === 'sport' || (field === 'daddr' && typeof value === 'string' && isMulticast(value)),
  );
}

/**
 * The TCP and UDP ports that some rule accepts by destination port (`tcp dport 22 accept`,
 * `-p tcp --dport 22 -j ACCEPT`, multiport lists, sets; `th dport` counts for both
 * protocols), in ruleset order, for finding rules whose port nothing listens on. Rules that also
 * match a source port or a multicast destination are left out: they serve clients and multicast
 * groups, not a listener (ufw's defaults accept DHCP replies, mDNS and SSDP that way). Pure.
 */
export function acceptedPorts(ruleset: Ruleset): AcceptedPort[] {
  const found: AcceptedPort[] = [];
  const index = nftIndexOf(ruleset);
  for (const rule of ruleset.nft?.rules ?? []) {
    if (!rule.expr.some((e) => isObject(e) && 'accept' in e)) continue;
    const matched = rule.expr.flatMap((e) =>
      isObject(e) && isObject(e.match) && isObject(e.match.left) && isObject(e.match.left.payload)
        ? [{ field: String(e.match.left.payload.field), value: e.match.right }]
        : [],
    );
    if (opensNoService(matched)) continue;
    const sets = (name: string) => index?.sets.get(`${rule.family}\u0000${rule.table}\u0000${name}`)?.elem ?? [];
    for (const e of rule.expr) {
      if (!isObject(e) || !isObject(e.match) || e.match.op === '!=' || !isObject(e.match.left)) continue;
      const payload = e.match.left.payload;
      if (!isObject(payload) || payload.field !== 'dport') continue;
      const named = payload.protocol;
      const protocols: ('tcp' | 'udp')[] =
        named === 'th' ? ['tcp', 'udp'] : named === 'tcp' || named === 'udp' ? [named] : [];
      const ports: number[] = [];
      expand(e.match.right, sets, ports);
      const ref = nftRuleRef(rule);
      for (const protocol of protocols) for (const port of ports) found.push({ protocol, port, rule: ref });
    }
  }
  for (const ipt of ruleset.iptables) {
    const filter = ipt.tables.get('filter');
    for (const rules of filter?.rules.values() ?? []) {
      for (const rule of rules) {
        const w = rule.words;
        if (w[w.indexOf('-j') + 1] !== 'ACCEPT') continue;
        const destination = w.includes('-d') ? w[w.indexOf('-d') + 1] : undefined;
        const sport = w.includes('--sport') || w.includes('--source-port');
        if (opensNoService([...(sport ? [{ field: 'sport', value: '' }] : []), { field: 'daddr', value: destination }]))
          continue;
        const named = w[w.indexOf('-p') + 1];
        const protocol = named === 'tcp' || named === 'udp' ? named : undefined;
        const i = w.findIndex((x) => x === '--dport' || x === '--dports' || x === '--destination-port');
        if (protocol === undefined || i < 0 || w[i - 1] === '!') continue;
        const ref = iptablesRuleRef(rule, ipt.family);
        for (const port of expandText(w[i + 1] ?? '')) found.push({ protocol, port, rule: ref });
      }
    }
  }
  return found;
}
