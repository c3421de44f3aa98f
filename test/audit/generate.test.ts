import { describe, expect, it } from 'vitest';
import { firewallRules, type Policy } from '../../src/audit/index.js';

const policy: Policy = {
  version: 1,
  listeners: [
    { protocol: 'tcp', port: 22 },
    { protocol: 'tcp', port: 443, scope: 'all' },
    { protocol: 'udp', port: 53, family: 'inet6' },
    { protocol: 'tcp', port: 5432, scope: 'loopback' },
    { netns: 'other', protocol: 'tcp', port: 8080 },
  ],
};
const lines = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

describe('firewallRules: only the netns’s network-reachable entries, plus what a host needs', () => {
  it('ufw: reset, deny incoming, one allow per port (a family-narrowed one by destination), enable', () => {
    expect(lines(firewallRules(policy, 'ufw'))).toEqual([
      'ufw --force reset',
      'ufw default deny incoming',
      'ufw default allow outgoing',
      'ufw allow 22/tcp',
      'ufw allow 443/tcp',
      'ufw allow proto udp to ::/0 port 53',
      'ufw --force enable',
    ]);
  });

  it('firewalld: a DROP zone with the PMTU/ND ICMP types and the ports, made the default', () => {
    const out = lines(firewallRules(policy, 'firewalld'));
    expect(out).toContain('firewall-cmd --permanent --zone=portscope --set-target=DROP');
    expect(out).toContain('firewall-cmd --permanent --zone=portscope --add-port=22/tcp');
    expect(out).toContain(
      `firewall-cmd --permanent --zone=portscope --add-rich-rule='rule family="ipv6" port port="53" protocol="udp" accept'`,
    );
    expect(out).toContain(
      `firewall-cmd --permanent --zone=portscope --add-rich-rule='rule icmp-type name="packet-too-big" accept'`,
    );
    expect(out.join('\n')).not.toMatch(/5432|8080/);
    expect(out.at(-1)).toBe('firewall-cmd --set-default-zone=portscope');
  });

  it('iptables leaves out IPv6-only entries, ip6tables keeps them and lets ND in', () => {
    const v4 = firewallRules(policy, 'iptables');
    const v6 = firewallRules(policy, 'ip6tables');
    expect(v4).toContain('-A INPUT -p tcp -m tcp -m multiport --dports 22,443 -j ACCEPT');
    expect(v4).not.toContain('--dports 53');
    expect(v6).toContain('-A INPUT -p udp -m udp -m multiport --dports 53 -j ACCEPT');
    expect(v6).toContain('--icmpv6-type neighbour-solicitation');
    expect(firewallRules(policy, 'nft', { netns: 'other' })).toContain('tcp dport { 8080 } accept');
    expect(() => firewallRules(policy, 'pf' as 'nft')).toThrow(/Expected a firewall format/);
  });
});
