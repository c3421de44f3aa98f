import type { IptablesTable } from '../../ports/index.js';
import { iptablesRuleRef as ref } from './rule-ref.js';
import { matchRule } from './ipt-match.js';
import { MAX_DEPTH, type Outcome, type Packet } from './packet.js';

/** Targets that end the packet's walk. */
const TERMINAL: Readonly<Record<string, 'accept' | 'drop' | 'reject'>> = {
  ACCEPT: 'accept',
  DROP: 'drop',
  REJECT: 'reject',
};

/** The `--to-destination ADDR[:PORT]` of a DNAT target (`[IPv6]:PORT`, or a bare IPv6 address). */
export function dnatTarget(args: readonly string[]): { address?: string; port?: number } {
  const i = args.indexOf('--to-destination');
  const spec = i < 0 ? '' : (args[i + 1] ?? '');
  const bracketed = /^\[([^\]]+)\](?::(\d+))?/.exec(spec);
  const [address, port] =
    bracketed !== null
      ? [bracketed[1], bracketed[2]]
      : spec.split(':').length === 2
        ? spec.split(':')
        : [spec, undefined];
  return { ...(address ? { address } : {}), ...(port ? { port: Number(port.split('-')[0]) } : {}) };
}

/** Runs one chain of an iptables table; `return` when it falls off the end or hits RETURN. */
export function runIptablesChain(
  table: IptablesTable,
  chain: string,
  p: Packet,
  family: 'inet' | 'inet6',
  depth = 0,
): Outcome {
  for (const rule of table.rules.get(chain) ?? []) {
    if (depth > MAX_DEPTH)
      return { kind: 'unknown', rule: ref(rule, family), reason: `chains nest deeper than ${String(MAX_DEPTH)}` };
    const m = matchRule(rule.words, p);
    if (m.truth === false || m.target === undefined) continue;
    const target = m.target;
    const decides =
      TERMINAL[target] !== undefined ||
      target === 'RETURN' ||
      target === 'DNAT' ||
      table.policies.has(target) ||
      table.rules.has(target);
    if (!decides) {
      if (target === 'QUEUE' || target === 'NFQUEUE')
        return m.truth === true
          ? { kind: 'unknown', rule: ref(rule, family), reason: 'the packet is queued to a userspace program' }
          : { kind: 'unknown', rule: ref(rule, family), reason: `cannot decide ${m.why ?? ''}` };
      continue; // LOG, MARK, CT...: the packet goes on.
    }
    if (m.truth === 'unknown')
      return { kind: 'unknown', rule: ref(rule, family), reason: `cannot decide ${m.why ?? ''}` };
    const verdict = TERMINAL[target];
    if (verdict !== undefined) return { kind: verdict, rule: ref(rule, family) };
    if (target === 'RETURN') return { kind: 'return' };
    if (target === 'DNAT') return { kind: 'dnat', rule: ref(rule, family), to: dnatTarget(m.targetArgs) };
    const inner = runIptablesChain(table, target, p, family, depth + 1);
    if (inner.kind === 'return') {
      if (m.goto) return inner;
      continue;
    }
    return inner;
  }
  return { kind: 'return' };
}

/** Runs a built-in chain; falling off its end applies its policy (`-` counts as ACCEPT). */
export function runIptablesBuiltin(table: IptablesTable, chain: string, p: Packet, family: 'inet' | 'inet6'): Outcome {
  const out = runIptablesChain(table, chain, p, family);
  if (out.kind !== 'return') return out;
  const policy = table.policies.get(chain) === 'DROP' ? 'drop' : 'accept';
  return {
    kind: policy,
    rule: {
      source: 'iptables',
      family: family === 'inet' ? 'ip' : 'ip6',
      table: table.name,
      chain,
      text: `policy ${policy === 'drop' ? 'DROP' : 'ACCEPT'}`,
    },
  };
}
