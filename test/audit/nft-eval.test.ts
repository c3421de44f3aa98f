import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateInbound, readRuleset, type Ruleset } from '../../src/audit/firewall/index.js';

// Rulesets are loaded into a scratch namespace and read back with readRuleset (real nft JSON),
// then evaluated statically: no packet is sent here (test/audit/lab.test.ts sends them).
const ns = `psfw${String(process.pid)}`;
const load = (text: string) =>
  execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: `flush ruleset\n${text}` });

beforeAll(() => execFileSync('ip', ['netns', 'add', ns]));
afterAll(() => execFileSync('ip', ['netns', 'del', ns]));

const q = (port: number, iface = 'eth0', protocol: 'tcp' | 'udp' = 'tcp', family: 'inet' | 'inet6' = 'inet') =>
  ({ family, protocol, port, interface: iface, address: family === 'inet' ? '192.0.2.1' : '2001:db8::1' }) as const;

describe('nftables evaluation on rulesets nft itself printed', () => {
  let ruleset: Ruleset;
  beforeAll(async () => {
    load(`table inet t {
      set allowed { type inet_service; flags interval; elements = { 22, 8000-8010 } }
      set admins { type ipv4_addr; flags interval; elements = { 10.9.0.0/16 } }
      chain input {
        type filter hook input priority 0; policy drop;
        ct state vmap { established : accept, related : accept, invalid : drop }
        iifname "lo" accept
        iifname "wg*" jump vpn
        tcp flags & (fin | syn | rst | ack) != syn drop
        tcp dport @allowed accept
        udp dport { 53, 123 } accept
        tcp dport 2222 ip saddr @admins accept
        th dport 6000-6100 reject
        tcp dport 7000 fib daddr type local accept
        tcp dport vmap { 9000 : accept, 9001 : drop }
      }
      chain vpn {
        tcp dport 5432 goto vpn_db
        return
      }
      chain vpn_db {
        ip6 saddr fd00::/8 accept
        ip saddr 10.8.0.0/24 accept
      }
    }
    table ip other {
      chain input {
        type filter hook input priority 10; policy accept;
        tcp dport 8005 drop
      }
    }`);
    ruleset = await readRuleset(ns);
  });

  it.each([
    ['a port of a named set', q(22), 'accept'],
    ['a range inside a named set', q(8003), 'accept'],
    ['a later base chain (priority 10) still drops what the first accepted', q(8005), 'drop'],
    ['the chain policy for an unlisted port', q(23), 'drop'],
    ['an anonymous set', q(123, 'eth0', 'udp'), 'accept'],
    ['th dport covers UDP', q(6050, 'eth0', 'udp'), 'reject'],
    ['a verdict map (accept)', q(9000), 'accept'],
    ['a verdict map (drop)', q(9001), 'drop'],
    ['ip6: the same sets apply', q(22, 'eth0', 'tcp', 'inet6'), 'accept'],
    ['a fib lookup is unknown', q(7000), 'unknown'],
  ])('%s', (_name, query, verdict) => {
    expect(evaluateInbound(ruleset, query).verdict).toBe(verdict);
  });

  it('an address set: accept for some sources, the prefix named', () => {
    const result = evaluateInbound(ruleset, q(2222));
    expect(result).toMatchObject({
      verdict: 'accept',
      sources: ['10.9.0.0/16'],
      rule: { chain: 'input', text: 'tcp dport 2222 ip saddr @admins accept' },
    });
    expect(result.reason).toBe('only from 10.9.0.0/16; other sources: drop (policy drop)');
  });

  it('wildcard interface, jump, goto and return', () => {
    expect(evaluateInbound(ruleset, q(5432, 'wg0'))).toMatchObject({
      verdict: 'accept',
      sources: ['10.8.0.0/24'],
      rule: { chain: 'vpn_db' },
    });
    expect(evaluateInbound(ruleset, q(5432, 'wg0', 'tcp', 'inet6'))).toMatchObject({
      verdict: 'accept',
      sources: ['fd00::/8'],
    });
    expect(evaluateInbound(ruleset, q(5432, 'eth0')).verdict).toBe('drop');
    expect(evaluateInbound(ruleset, q(22, 'wg1')).verdict).toBe('accept');
  });

  it('with no ruleset at all, everything is accepted and no rule is named', async () => {
    load('');
    const empty = await readRuleset(ns);
    expect(evaluateInbound(empty, q(22))).toEqual({ verdict: 'accept', reason: 'no firewall rules on this path' });
  });
});
