import { portInSpec, type FirewallRule } from './rule.js';

/** One `-A CHAIN ...` line of `iptables-save` output, split into words (quotes removed). */
export interface IptablesRule {
  readonly table: string;
  readonly chain: string;
  /** 1-based line number in the `iptables-save` text. */
  readonly line: number;
  /** The words after `-A CHAIN`: `-p tcp -m tcp --dport 22 -j ACCEPT`. */
  readonly words: readonly string[];
  /** The line as iptables-save printed it. */
  readonly text: string;
}

/** One table of `iptables-save`: each chain's policy (`ACCEPT`, `DROP`; `-` for user chains) and rules in order. */
export interface IptablesTable {
  readonly name: string;
  readonly policies: ReadonlyMap<string, string>;
  readonly rules: ReadonlyMap<string, readonly IptablesRule[]>;
}

/** Splits a rule line into words the way iptables-restore does: double quotes group, backslash escapes. */
function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (c === '\\' && i + 1 < line.length) {
      word += line[++i] ?? '';
      inWord = true;
    } else if (c === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && (c === ' ' || c === '\t')) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * Parses `iptables-save` / `ip6tables-save` output (or `iptables-restore` input) into its tables:
 * `*TABLE`, `:CHAIN POLICY [p:b]`, `-A CHAIN ...` and `COMMIT` lines; comments and other lines
 * are skipped.
 */
export function parseIptablesTables(text: string): Map<string, IptablesTable> {
  const tables = new Map<string, IptablesTable>();
  let policies = new Map<string, string>();
  let rules = new Map<string, IptablesRule[]>();
  let table = '';
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line.startsWith('*')) {
      table = line.slice(1);
      policies = new Map();
      rules = new Map();
      tables.set(table, { name: table, policies, rules });
      return;
    }
    const policy = /^:(\S+)\s+(\S+)/.exec(line);
    if (policy?.[1] !== undefined && policy[2] !== undefined) {
      policies.set(policy[1], policy[2]);
      return;
    }
    if (!line.startsWith('-A ')) return;
    const words = splitWords(line);
    const chain = words[1] ?? '';
    const list = rules.get(chain) ?? [];
    list.push({ table, chain, line: index + 1, words: words.slice(2), text: line });
    rules.set(chain, list);
  });
  return tables;
}

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
  const found: { line: number; rule: FirewallRule }[] = [];
  for (const [table, { policies, rules }] of parseIptablesTables(text)) {
    for (const [chain, policy] of policies) {
      if (policy !== 'DROP') continue;
      const text = `${table} ${chain}: policy DROP`;
      found.push({ line: 0, rule: { source, family, table, chain, verdict: 'drop', policy: true, text } });
    }
    for (const list of rules.values()) {
      for (const { chain, line, words, text: ruleText } of list) {
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
        const text = `${table} ${ruleText}`;
        found.push({ line, rule: { source, family, table, chain, verdict, policy: false, text } });
      }
    }
  }
  return found.sort((a, b) => a.line - b.line).map((f) => f.rule);
}
