import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIptablesSave, parseNetstat, parseNftRuleset, portInSpec } from '../../src/index.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/firewall/${name}`, import.meta.url), 'utf8');
// Captured from `nft -j list ruleset` (nftables 1.0.6) in a test namespace; see the rules in the test names.
const nft = fixture('nft-ruleset.json');
const legacy = fixture('iptables-save-legacy.txt');

describe('parseNftRuleset', () => {
  const texts = (port: number, protocol: 'tcp' | 'udp' = 'tcp') =>
    parseNftRuleset(nft, port, protocol)
      .filter((r) => !r.policy)
      .map((r) => r.text);

  it.each([
    [8081, ['inet t input: tcp dport 8081 drop (handle 2)']],
    [9000, ['inet t input: tcp dport { 9000, 9100-9200 } reject (handle 4)']],
    [9150, ['inet t input: tcp dport { 9000, 9100-9200 } reject (handle 4)']],
    [5432, ['inet t input: tcp dport 5432 drop (with other conditions) (handle 5)']],
    [7000, ['ip filter INPUT: tcp dport 7000 drop (with other conditions) (handle 2)']],
  ])('port %i: %j', (port, expected) => {
    // `tcp dport != 443 drop` catches every port but 443.
    expect(texts(port).sort()).toEqual([...expected, 'inet t input: tcp dport != 443 drop (handle 7)'].sort());
  });

  it('skips accept rules, the excepted port of a != rule, and other protocols', () => {
    expect(texts(443)).toEqual([]);
    expect(texts(22)).toEqual(['inet t input: tcp dport != 443 drop (handle 7)']);
    expect(texts(5353, 'udp')).toEqual(['inet t input: udp dport 5353 drop (handle 8)']);
    expect(texts(8081, 'udp')).toEqual([]);
  });

  it('reports base chains whose policy is drop, and ignores malformed input', () => {
    expect(parseNftRuleset(nft, 1, 'tcp').filter((r) => r.policy)).toMatchObject([
      {
        chain: 'forwarding',
        verdict: 'drop',
        text: 'inet t forwarding: hook forward policy drop (what no rule accepts is dropped)',
      },
    ]);
    expect(parseNftRuleset('{not json', 80, 'tcp')).toEqual([]);
    expect(parseNftRuleset('{"nftables": [{"rule": {"expr": "x"}}, null, 3]}', 80, 'tcp')).toEqual([]);
  });
});

describe('parseIptablesSave', () => {
  const texts = (port: number, protocol: 'tcp' | 'udp' = 'tcp') =>
    parseIptablesSave(legacy, port, protocol).map((r) => [r.verdict, r.policy, r.text]);

  it('finds single ports, ranges, multiport lists and negations, with the DROP policy', () => {
    const policy = ['drop', true, 'filter INPUT: policy DROP'];
    const notHttps = ['drop', false, 'filter -A INPUT -p tcp -m tcp ! --dport 443 -j DROP'];
    expect(texts(8050)).toEqual([
      policy,
      [
        'reject',
        false,
        'filter -A INPUT -p tcp -m tcp --dport 8000:8100 -j REJECT --reject-with icmp-port-unreachable',
      ],
      notHttps,
    ]);
    expect(texts(465)).toEqual([
      policy,
      ['drop', false, 'filter -A INPUT -p tcp -m multiport --dports 25,465,587 -j DROP'],
      notHttps,
    ]);
    expect(texts(443)).toEqual([policy]);
    expect(texts(8050, 'udp')).toEqual([policy, ['drop', false, 'filter -A INPUT -p udp -m udp --dport 8050 -j DROP']]);
  });

  it('reads port specs', () => {
    expect([
      portInSpec(80, '80'),
      portInSpec(81, '80'),
      portInSpec(8050, '8000:8100'),
      portInSpec(9, '1,5-10'),
    ]).toEqual([true, false, true, true]);
  });
});

describe('parseNetstat', () => {
  it('pairs names with values per group', () => {
    const counters = parseNetstat(
      'TcpExt: SyncookiesSent ListenOverflows\nTcpExt: 0 17\nIpExt: InNoRoutes\nIpExt: 3\nBad: a b\nBad: 1\n',
    );
    expect(Object.fromEntries(counters)).toEqual({
      'TcpExt:SyncookiesSent': 0,
      'TcpExt:ListenOverflows': 17,
      'IpExt:InNoRoutes': 3,
    });
  });
});
