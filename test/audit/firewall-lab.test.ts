import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firewallRules, type ExpectedListener, type Policy } from '../../src/audit/index.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { isRoot, onPath } from '../helpers/system.js';

/**
 * The generated rulesets applied for real: a server netns and a client netns joined by a veth pair
 * (IPv4 and IPv6), listeners in the server netns, a policy that expects some of them; from the client,
 * exactly the policy's listeners must answer, for `nft -f` and for iptables-legacy-restore input.
 */
const id = String(process.pid);
const [srv, cln, vs, vc] = [`psas${id}`, `psac${id}`, `psvs${id}`, `psvc${id}`];
const n = (process.pid % 250) + 1;
const v4 = [`10.233.${String(n)}.1`, `10.233.${String(n)}.2`] as const;
const v6 = [`fd00:233:${n.toString(16)}::1`, `fd00:233:${n.toString(16)}::2`] as const;
const listenerFixture = new URL('../helpers/audit-listeners.py', import.meta.url).pathname;
const probeHelper = new URL('../helpers/audit-probe.py', import.meta.url).pathname;

interface Spec {
  proto: 'tcp' | 'udp';
  addr: string;
  port: number;
  v6only?: boolean;
}
// Fixed ports are fine here: the namespace is ours alone.
const SOCKETS: Spec[] = [
  { proto: 'tcp', addr: '0.0.0.0', port: 2201 },
  { proto: 'tcp', addr: '::', port: 2201, v6only: true },
  { proto: 'tcp', addr: '0.0.0.0', port: 2202 },
  { proto: 'tcp', addr: '::', port: 2203, v6only: false },
  { proto: 'tcp', addr: '::', port: 2204, v6only: false },
  { proto: 'tcp', addr: '127.0.0.1', port: 2205 },
  { proto: 'tcp', addr: v4[0], port: 2206 },
  { proto: 'tcp', addr: '::', port: 2207, v6only: true },
  { proto: 'udp', addr: '0.0.0.0', port: 5301 },
  { proto: 'udp', addr: '::', port: 5302, v6only: false },
  { proto: 'udp', addr: '::', port: 5303, v6only: false },
];
const EXPECTED: ExpectedListener[] = [
  { netns: srv, protocol: 'tcp', port: 2201, scope: 'all' },
  { netns: srv, protocol: 'tcp', port: 2203 },
  { netns: srv, protocol: 'tcp', port: 2205, scope: 'loopback' },
  { netns: srv, protocol: 'tcp', port: 2206, scope: 'address' },
  { netns: srv, protocol: 'tcp', port: 2207, family: 'inet' },
  { netns: srv, protocol: 'udp', port: 5301 },
  { netns: srv, protocol: 'udp', port: 5302 },
  { netns: 'host', protocol: 'tcp', port: 2202 },
];
const policy: Policy = { version: 1, listeners: EXPECTED };

/** Does a socket take `family` traffic on a non-loopback address? Computed from how it was bound. */
function bound(s: Spec, family: 'inet' | 'inet6'): boolean {
  if (s.addr === '127.0.0.1' || s.addr === '::1') return false;
  if (s.addr === '::') return family === 'inet6' || s.v6only === false;
  return (s.addr.includes(':') ? 'inet6' : 'inet') === family;
}

const targets = [...new Set(SOCKETS.map((s) => `${s.proto}/${String(s.port)}`))].flatMap((key) => {
  const [proto, port] = key.split('/') as ['tcp' | 'udp', string];
  return (['inet', 'inet6'] as const).map((family) => ({
    proto,
    port: Number(port),
    family,
    host: family === 'inet' ? v4[0] : v6[0],
  }));
});

/** The probes that should answer: a socket takes the family, and (with `policy`) the policy lets it in. */
function expectedAnswers(withPolicy: boolean): boolean[] {
  return targets.map((t) => {
    const listening = SOCKETS.some((s) => s.proto === t.proto && s.port === t.port && bound(s, t.family));
    if (!withPolicy) return listening;
    const allowed = EXPECTED.some(
      (e) =>
        e.netns === srv &&
        e.protocol === t.proto &&
        e.port === t.port &&
        e.scope !== 'loopback' &&
        (e.family ?? t.family) === t.family,
    );
    return listening && allowed;
  });
}

function probe(): boolean[] {
  const out = execFileSync('ip', ['netns', 'exec', cln, 'python3', probeHelper, JSON.stringify(targets), '1'], {
    timeout: 15_000,
  });
  return JSON.parse(out.toString()) as boolean[];
}
const label = (answers: boolean[]) =>
  targets.map((t, i) => `${t.proto}/${String(t.port)} ${t.family}: ${answers[i] === true ? 'open' : 'closed'}`);
const inSrv = (...args: string[]) => execFileSync('ip', ['netns', 'exec', srv, ...args], { timeout: 15_000 });

describe.skipIf(!isRoot || !onPath('nft') || !onPath('iptables-legacy-restore'))(
  'generated firewall rules in a two-namespace lab',
  () => {
    let server: Fixture<{ pid: number }> | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'portscope-fwlab-'));

    beforeAll(async () => {
      execFileSync('ip', ['netns', 'add', srv]);
      execFileSync('ip', ['netns', 'add', cln]);
      execFileSync('ip', ['link', 'add', vs, 'netns', srv, 'type', 'veth', 'peer', 'name', vc, 'netns', cln]);
      for (const [ns, dev, a4, a6] of [
        [srv, vs, v4[0], v6[0]],
        [cln, vc, v4[1], v6[1]],
      ] as const) {
        const run = (...args: string[]) => execFileSync('ip', ['netns', 'exec', ns, 'ip', ...args]);
        run('link', 'set', 'lo', 'up');
        run('addr', 'add', `${a4}/24`, 'dev', dev);
        run('-6', 'addr', 'add', `${a6}/64`, 'dev', dev, 'nodad');
        run('link', 'set', dev, 'up');
      }
      server = await startFixture('python3', [listenerFixture, JSON.stringify(SOCKETS), `/run/netns/${srv}`]);
    });
    afterAll(async () => {
      await server?.stop();
      for (const ns of [srv, cln]) execFileSync('ip', ['netns', 'del', ns]);
    });

    it('without a firewall every socket bound beyond loopback answers (the probes work)', () => {
      expect(label(probe())).toEqual(label(expectedAnswers(false)));
    });

    it('nft -f of --firewall nft: exactly the policy’s listeners answer; deleting the table rolls back', () => {
      const file = join(dir, 'rules.nft');
      writeFileSync(file, firewallRules(policy, 'nft', { netns: srv }));
      inSrv('nft', '-f', file);
      inSrv('nft', '-f', file); // idempotent
      expect(inSrv('nft', 'list', 'tables').toString().trim()).toBe('table inet portscope');
      const answers = probe();
      inSrv('nft', 'delete', 'table', 'inet', 'portscope');
      expect(label(answers)).toEqual(label(expectedAnswers(true)));
      expect(answers.filter(Boolean).length).toBeLessThan(expectedAnswers(false).filter(Boolean).length);
      expect(label(probe())).toEqual(label(expectedAnswers(false)));
    });

    it('iptables-legacy-restore of --firewall iptables and ip6tables: exactly the policy’s listeners answer', () => {
      for (const [format, tool] of [
        ['iptables', 'iptables-legacy-restore'],
        ['ip6tables', 'ip6tables-legacy-restore'],
      ] as const) {
        const file = join(dir, `rules.${format}`);
        writeFileSync(file, firewallRules(policy, format, { netns: srv }));
        inSrv(tool, file);
      }
      const answers = probe();
      for (const tool of ['iptables-legacy', 'ip6tables-legacy']) {
        inSrv(tool, '-P', 'INPUT', 'ACCEPT');
        inSrv(tool, '-F', 'INPUT');
      }
      expect(label(answers)).toEqual(label(expectedAnswers(true)));
    });
  },
);
