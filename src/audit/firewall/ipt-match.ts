import { portInSpec } from '../../ports/firewall/rule.js';
import { inPrefix } from './address.js';
import { and, not, type Packet, type Tri } from './packet.js';

/** A rule's matches decided for a packet, and what it jumps to (`-j`/`-g` and the target's words). */
export interface IptablesMatch {
  readonly truth: Tri;
  /** Why `truth` is unknown: the option it could not decide. */
  readonly why?: string;
  readonly target?: string;
  readonly goto: boolean;
  /** Words after the target (`--reject-with ...`, `--to-destination ...`). */
  readonly targetArgs: readonly string[];
}

const PROTOCOLS: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp' };

/** `eth0` against `-i eth+` (a trailing `+` is a prefix wildcard). */
function ifaceMatches(name: string | undefined, pattern: string): Tri {
  if (name === undefined) return 'unknown';
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

function sourceMatches(source: string | undefined, list: string): boolean {
  return list.split(',').some((prefix) => prefix.endsWith('/0') || (source !== undefined && inPrefix(source, prefix)));
}

/** `--tcp-flags MASK COMP` for a SYN: the set flags among MASK are exactly COMP. */
function synFlags(mask: string, comp: string): boolean {
  const names = (s: string) =>
    s === 'ALL' ? ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'] : s === 'NONE' ? [] : s.split(',');
  const set: string[] = names(mask).filter((f) => f === 'SYN');
  const want = names(comp);
  return set.length === want.length && want.every((f) => set.includes(f));
}

/** Decides one option and its value(s); returns the truth and how many words it used. */
function option(flag: string, words: readonly string[], i: number, p: Packet): [Tri, number, (string | undefined)?] {
  const v = words[i + 1] ?? '';
  switch (flag) {
    case '-p':
    case '--protocol':
      return [v === 'all' || v === '0' || (PROTOCOLS[v] ?? v) === p.protocol, 2];
    case '-s':
    case '--source':
      return [sourceMatches(p.source, v), 2];
    case '-d':
    case '--destination':
      return [v.split(',').some((prefix) => inPrefix(p.address, prefix)), 2];
    case '-i':
    case '--in-interface':
      return [ifaceMatches(p.interface, v), 2];
    case '-o':
    case '--out-interface':
      return [ifaceMatches(p.outInterface, v), 2, p.outInterface === undefined ? '-o on the input path' : undefined];
    case '-m':
    case '--match':
    case '--comment':
    case '--limit':
    case '--limit-burst':
      // A rate limit lets the first packets of a connection through; comments and module names decide nothing.
      return [true, 2];
    case '--dport':
    case '--destination-port':
    case '--dports':
    case '--destination-ports':
      return [portInSpec(p.port, v), 2];
    case '--ctstate':
    case '--state':
      return [v.split(',').some((s) => s === 'NEW' || (s === 'DNAT' && p.dnat === true)), 2];
    case '--dst-type':
      return [v.split(',').includes(p.hook === 'input' ? 'LOCAL' : 'UNICAST'), 2];
    case '--src-type':
      return [v.split(',').includes('UNICAST'), 2];
    case '--mark': {
      const [value, mask] = v.split('/').map(Number);
      return [(0 & (mask ?? 0xffffffff)) === value, 2];
    }
    case '--syn':
      return [p.protocol === 'tcp', 1];
    case '--tcp-flags':
      return [synFlags(v, words[i + 2] ?? ''), 3];
    case '--icmp-type':
    case '--icmpv6-type':
      return [false, 2];
    default: {
      // A bare word continues the previous option's value (an unquoted multi-word comment).
      if (!flag.startsWith('-')) return [true, 1];
      const takesValue = i + 1 < words.length && !(words[i + 1] ?? '').startsWith('-');
      return ['unknown', takesValue ? 2 : 1, `${flag}${takesValue ? ` ${v}` : ''}`];
    }
  }
}

/** Decides an `iptables-save` rule's matches (the words after `-A CHAIN`) for a packet. */
export function matchRule(words: readonly string[], p: Packet): IptablesMatch {
  let truth: Tri = true;
  let why: string | undefined;
  let i = 0;
  while (i < words.length) {
    const word = words[i] ?? '';
    if (word === '-j' || word === '-g' || word === '--jump' || word === '--goto') {
      const target = words[i + 1] ?? '';
      const base = { truth, goto: word === '-g' || word === '--goto', target, targetArgs: words.slice(i + 2) };
      return why === undefined ? base : { ...base, why };
    }
    const negate = word === '!';
    if (negate) i++;
    const [t, used, reason] = option(words[i] ?? '', words, i, p);
    if (t === 'unknown') why ??= reason ?? words[i];
    truth = and(truth, negate ? not(t) : t);
    i += used;
  }
  return why === undefined ? { truth, goto: false, targetArgs: [] } : { truth, why, goto: false, targetArgs: [] };
}
