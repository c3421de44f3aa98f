import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  acceptedPorts,
  dnatRules,
  evaluateInbound,
  evaluatePublished,
  type Ruleset,
} from '../../src/audit/firewall/index.js';
import { parseIptablesTables, parseNftJson } from '../../src/ports/index.js';

// Each fixture's first line cites the public source it was captured from.
const fixture = (name: string) => readFileSync(new URL(`../fixtures/firewall/${name}`, import.meta.url), 'utf8');
const withoutCitation = (text: string) => text.slice(text.indexOf('\n') + 1);

function nftRuleset(name: string): Ruleset {
  const nft = parseNftJson(withoutCitation(fixture(name)));
  if (nft === undefined) throw new Error(`${name} is not nft JSON`);
  return { nft, iptables: [], iptablesNftTables: new Set(), sources: ['nftables'], warnings: [] };
}

function iptablesRuleset(name: string): Ruleset {
  const tables = parseIptablesTables(fixture(name));
  return {
    iptables: [{ family: 'inet', variant: 'legacy', tables }],
    iptablesNftTables: new Set(),
    sources: ['iptables-legacy'],
    warnings: [],
  };
}

const tcp = (port: number, iface: string, address = '192.0.2.10', family: 'inet' | 'inet6' = 'inet') =>
  ({ family, protocol: 'tcp', port, interface: iface, address }) as const;

describe('firewalld defaults (nftables)', () => {
  const ruleset = nftRuleset('firewalld-nft.json');

  it.each([
    ['ssh on a public-zone interface', tcp(22, 'enp0s3'), 'accept', 'tcp dport 22 ct state new, untracked accept'],
    [
      'cockpit on an interface of no zone (default public)',
      tcp(9090, 'eth7'),
      'accept',
      'tcp dport 9090 ct state new, untracked accept',
    ],
    ['another port on the public zone', tcp(8080, 'enp0s8'), 'reject', 'reject with icmpx admin-prohibited'],
    ['dns on the libvirt zone', tcp(53, 'virbr0'), 'accept', 'tcp dport 53 ct state new, untracked accept'],
    ['another port on the libvirt zone', tcp(8080, 'virbr0'), 'reject', 'reject with icmpx port-unreachable'],
    ['anything on loopback', tcp(8080, 'lo', '127.0.0.1'), 'accept', 'iifname lo accept'],
  ])('%s', (_name, query, verdict, text) => {
    const result = evaluateInbound(ruleset, query);
    expect(result.verdict).toBe(verdict);
    expect(result.rule?.text).toBe(text);
    expect(result.rule?.source).toBe('nftables');
    expect(result.rule?.handle).toBeGreaterThan(0);
  });

  it('accepts DHCPv6 only to link-local addresses (ip6 daddr fe80::/64)', () => {
    const udp = { family: 'inet6', protocol: 'udp', port: 546, interface: 'enp0s3' } as const;
    expect(evaluateInbound(ruleset, { ...udp, address: 'fe80::1' }).verdict).toBe('accept');
    expect(evaluateInbound(ruleset, { ...udp, address: '2001:db8::1' }).verdict).toBe('reject');
  });

  it('lists the ports its rules accept', () => {
    const ports = acceptedPorts(ruleset).map((p) => `${p.protocol}/${String(p.port)}`);
    expect(ports).toEqual([
      'tcp/22',
      'udp/546',
      'tcp/9090',
      'udp/67',
      'udp/547',
      'tcp/53',
      'udp/53',
      'tcp/22',
      'udp/69',
    ]);
  });
});

describe("Docker's iptables rules", () => {
  const ruleset = iptablesRuleset('docker-iptables-save.txt');

  it('lets every port in through INPUT policy ACCEPT', () => {
    expect(evaluateInbound(ruleset, tcp(22, 'eth0'))).toEqual({
      verdict: 'accept',
      rule: { source: 'iptables', family: 'ip', table: 'filter', chain: 'INPUT', text: 'policy ACCEPT' },
    });
  });

  it('finds the published port and forwards it to the container', () => {
    expect(dnatRules(ruleset)).toMatchObject([
      {
        protocol: 'tcp',
        port: 8080,
        to: { address: '172.17.0.2', port: 8080 },
        rule: { table: 'nat', chain: 'DOCKER', line: 16 },
      },
    ]);
    const published = { ...tcp(8080, 'eth0'), to: { address: '172.17.0.2', port: 8080 }, outInterface: 'docker0' };
    const verdict = evaluatePublished(ruleset, published);
    expect(verdict.verdict).toBe('accept');
    expect(verdict.rule).toMatchObject({ table: 'filter', chain: 'DOCKER', line: 35 });
    // From the bridge itself the DOCKER nat chain returns first: no DNAT, the host answers.
    expect(evaluatePublished(ruleset, { ...published, interface: 'docker0' }).verdict).toBe('reject');
    expect(evaluatePublished(ruleset, { ...published, port: 8081 }).verdict).toBe('reject');
  });
});

describe("a Kubernetes node's kube-proxy rules", () => {
  const ruleset = iptablesRuleset('kube-proxy-iptables-save.txt');

  it('accepts the health-check node port, drops a service without local endpoints', () => {
    expect(evaluateInbound(ruleset, tcp(30000, 'eth0')).rule).toMatchObject({
      chain: 'KUBE-NODEPORTS',
      line: 24,
      source: 'iptables',
    });
    const noEndpoints = evaluateInbound(ruleset, tcp(3001, 'eth0'));
    expect(noEndpoints).toMatchObject({ verdict: 'drop', rule: { chain: 'KUBE-EXTERNAL-SERVICES', line: 28 } });
    expect(evaluateInbound(ruleset, tcp(80, 'eth0', '1.2.3.4')).rule?.line).toBe(27);
    expect(evaluateInbound(ruleset, tcp(22, 'eth0')).verdict).toBe('accept');
  });

  it('drops connections to 127.0.0.0/8 arriving from the network (KUBE-FIREWALL)', () => {
    expect(evaluateInbound(ruleset, tcp(22, 'eth0', '127.0.0.1'))).toMatchObject({
      verdict: 'drop',
      rule: { chain: 'KUBE-FIREWALL', line: 29 },
    });
  });

  it('reads the NodePort DNAT (its port is in the chain above)', () => {
    expect(dnatRules(ruleset)).toMatchObject([{ protocol: 'tcp', to: { address: '10.180.0.2', port: 80 } }]);
  });
});

describe("ufw's defaults with one allowed port (iptables)", () => {
  const ruleset = iptablesRuleset('ufw-iptables-save.txt');
  const udp = (port: number) =>
    ({ family: 'inet', protocol: 'udp', port, interface: 'eth0', address: '192.0.2.10' }) as const;

  it('accepts the allowed port in ufw-user-input and drops another by the INPUT policy', () => {
    const ssh = evaluateInbound(ruleset, tcp(22, 'eth0'));
    expect(ssh).toMatchObject({
      verdict: 'accept',
      rule: { chain: 'ufw-user-input', text: '-A ufw-user-input -p tcp -m tcp --dport 22 -j ACCEPT' },
    });
    expect(fixture('ufw-iptables-save.txt').split('\n')[(ssh.rule?.line ?? 0) - 1]).toBe(ssh.rule?.text);
    expect(evaluateInbound(ruleset, tcp(8080, 'eth0'))).toMatchObject({
      verdict: 'drop',
      rule: { chain: 'INPUT', text: 'policy DROP' },
    });
    expect(evaluateInbound(ruleset, tcp(8080, 'lo', '127.0.0.1'))).toMatchObject({
      verdict: 'accept',
      rule: { text: '-A ufw-before-input -i lo -j ACCEPT' },
    });
  });

  it('cannot decide the DHCP client rule (it matches the source port), and mDNS only to 224.0.0.251', () => {
    const dhcp = evaluateInbound(ruleset, udp(68));
    expect(dhcp.verdict).toBe('unknown');
    expect(dhcp.rule?.text).toContain('--sport 67 --dport 68');
    expect(evaluateInbound(ruleset, udp(5353)).verdict).toBe('drop');
  });

  it("lists the allowed port as accepted, not ufw's DHCP-reply, mDNS and SSDP rules (no listener needs them)", () => {
    const ports = acceptedPorts(ruleset).map((a) => `${a.protocol}/${String(a.port)}`);
    expect(ports).toEqual(['tcp/22']);
  });
});
