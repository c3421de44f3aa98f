import type { AllowedPorts } from './allowed.js';

/** iptables' multiport match takes at most 15 ports. */
const MULTIPORT_MAX = 15;

const ICMP = {
  inet: [
    '-p icmp --icmp-type destination-unreachable',
    '-p icmp --icmp-type time-exceeded',
    '-p icmp --icmp-type parameter-problem',
  ],
  inet6: [
    '-p ipv6-icmp --icmpv6-type destination-unreachable',
    '-p ipv6-icmp --icmpv6-type packet-too-big',
    '-p ipv6-icmp --icmpv6-type time-exceeded',
    '-p ipv6-icmp --icmpv6-type parameter-problem',
    '-p ipv6-icmp --icmpv6-type router-advertisement -m hl --hl-eq 255',
    '-p ipv6-icmp --icmpv6-type neighbour-solicitation -m hl --hl-eq 255',
    '-p ipv6-icmp --icmpv6-type neighbour-advertisement -m hl --hl-eq 255',
  ],
};

/**
 * `iptables-restore` (family `inet`) or `ip6tables-restore` (`inet6`) input: the whole filter table, INPUT
 * policy DROP, letting in loopback, established/related, the ICMP that PMTU and ND need, and `allowed`.
 */
export function iptablesRestore(
  allowed: readonly AllowedPorts[],
  family: 'inet' | 'inet6',
  header: readonly string[],
): string {
  const tool = family === 'inet' ? 'iptables' : 'ip6tables';
  const rules: string[] = [];
  for (const a of allowed) {
    if (a.family !== undefined && a.family !== family) continue;
    for (let i = 0; i < a.ports.length; i += MULTIPORT_MAX) {
      const chunk = a.ports.slice(i, i + MULTIPORT_MAX);
      rules.push(`-A INPUT -p ${a.protocol} -m ${a.protocol} -m multiport --dports ${chunk.join(',')} -j ACCEPT`);
    }
  }
  return [
    ...header.map((h) => `# ${h}`),
    `# It replaces the whole filter table (rules of Docker or libvirt in it too).`,
    `# Apply: ${tool}-save > before.rules && ${tool}-restore < FILE    Roll back: ${tool}-restore < before.rules`,
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    '-A INPUT -i lo -j ACCEPT',
    '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    ...ICMP[family].map((m) => `-A INPUT ${m} -j ACCEPT`),
    '-A INPUT -m conntrack --ctstate INVALID -j DROP',
    ...rules,
    'COMMIT',
    '',
  ].join('\n');
}
