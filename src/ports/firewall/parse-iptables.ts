import { portInSpec, type FirewallRule } from './rule.js';

/**
 * The rules in `iptables-save` (or `ip6tables-save`) output that drop or reject `protocol`
 * traffic to `port`: `-p PROTO ... --dport N|A:B` or `--dports LIST` with `-j DROP` or
 * `-j REJECT`, and the built-in chains whose policy is DROP.
 */
export function parseIptablesSave(
  text: string,
  port: number,
  protocol: 'tcp' | 'udp',
  source: 'iptables' | 'ip6tables' = 'iptables',
): FirewallRule[] {
  const family = source === 'iptables' ? 'ip' : 'ip6';
  const rules: FirewallRule[] = [];
  let table = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) table = line.slice(1);
    const policy = /^:(\S+) DROP\b/.exec(line);
    if (policy?.[1] !== undefined) {
      rules.push({
        source,
        family,
        table,
        chain: policy[1],
        verdict: 'drop',
        policy: true,
        text: `${table} ${policy[1]}: policy DROP`,
      });
      continue;
    }
    if (!line.startsWith('-A ')) continue;
    const words = line.split(/\s+/);
    const valueOf = (flag: string) => {
      const i = words.indexOf(flag);
      return i < 0 ? undefined : words[i + 1];
    };
    const target = valueOf('-j');
    const verdict = target === 'DROP' ? 'drop' : target === 'REJECT' ? 'reject' : undefined;
    if (verdict === undefined || valueOf('-p') !== protocol) continue;
    const spec = valueOf('--dport') ?? valueOf('--dports') ?? valueOf('--destination-port');
    if (spec === undefined) continue;
    const negated = words[words.indexOf('--dport') - 1] === '!' || words[words.indexOf('--dports') - 1] === '!';
    if (portInSpec(port, spec) === negated) continue;
    rules.push({ source, family, table, chain: words[1] ?? '', verdict, policy: false, text: `${table} ${line}` });
  }
  return rules;
}
