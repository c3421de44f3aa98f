import { mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exposeListeners } from '../../src/audit/exposure.js';
import type { Reachability } from '../../src/audit/types.js';
import { buildAuditLab, startProber, type AuditLab, type Probe } from '../helpers/audit-lab.js';

// The proof: for every listener x firewall situation, connect from the attached networks and
// compare what got through with what exposeListeners says (`reachable`).
const SERVER = `
const net = require('node:net'), dgram = require('node:dgram');
const listen = (host, ipv6Only) => new Promise((ok) => { const s = net.createServer((c) => c.destroy()); s.listen({ host, port: 0, ipv6Only }, () => ok(s.address().port)); });
(async () => {
  const ports = { lo4: await listen('127.0.0.1'), lo6: await listen('::1'), veth4: await listen('10.77.0.1'), any4: await listen('0.0.0.0'), dual: await listen('::', false), v6only: await listen('::', true) };
  const u = dgram.createSocket({ type: 'udp6', ipv6Only: false });
  u.on('message', (m, r) => u.send(m, r.port, r.address));
  u.bind(0, '::', () => { ports.udp = u.address().port; console.log(JSON.stringify(ports)); });
})();
setTimeout(() => process.exit(0), 120000);
`;
const CONTAINER = `
const s = require('node:net').createServer((c) => c.destroy());
s.listen({ host: '0.0.0.0', port: 0 }, () => console.log(JSON.stringify({ any4: s.address().port })));
setTimeout(() => process.exit(0), 120000);
`;

interface Ports {
  lo4: number;
  lo6: number;
  veth4: number;
  any4: number;
  dual: number;
  v6only: number;
  udp: number;
  container: number;
  host: number;
}

interface Case {
  readonly name: string;
  readonly protocol: 'tcp' | 'udp';
  readonly address: string;
  readonly port: number;
  readonly container?: boolean;
  readonly probes: readonly { ns: 'client' | 'container'; probe: Probe }[];
}

function cases(p: Ports): Case[] {
  type Path = { ns: 'client' | 'container'; from: string; to: string };
  const client4: Path[] = ['10.77.0.2', '10.77.0.3'].map((from) => ({ ns: 'client', from, to: '10.77.0.1' }));
  const client6: Path[] = ['fd77::2', 'fd77::3'].map((from) => ({ ns: 'client', from, to: 'fd77::1' }));
  const inside4 = [{ ns: 'container' as const, from: '10.78.0.2', to: '10.78.0.1' }];
  const inside6 = [{ ns: 'container' as const, from: 'fd78::2', to: 'fd78::1' }];
  const make = (
    name: string,
    protocol: 'tcp' | 'udp',
    address: string,
    port: number,
    paths: readonly Path[],
    container = false,
  ): Case => ({
    name,
    protocol,
    address,
    port,
    container,
    probes: paths.map(({ ns, from, to }) => ({ ns, probe: { protocol, from, to, port } })),
  });
  return [
    make('tcp 127.0.0.1', 'tcp', '127.0.0.1', p.lo4, client4.slice(0, 1)),
    make('tcp ::1', 'tcp', '::1', p.lo6, client6.slice(0, 1)),
    make('tcp 10.77.0.1 (veth address)', 'tcp', '10.77.0.1', p.veth4, client4),
    make('tcp 0.0.0.0', 'tcp', '0.0.0.0', p.any4, [...client4, ...inside4]),
    make('tcp :: dual-stack', 'tcp', '::', p.dual, [...client4, ...client6, ...inside4, ...inside6]),
    make('tcp :: v6only', 'tcp', '::', p.v6only, [...client6, ...inside6]),
    make('udp :: dual-stack (echo)', 'udp', '::', p.udp, [...client4, ...client6, ...inside4, ...inside6]),
    {
      name: 'tcp 0.0.0.0 in the container, published by DNAT',
      protocol: 'tcp',
      address: '0.0.0.0',
      port: p.container,
      container: true,
      probes: client4.map(({ ns, from, to }) => ({ ns, probe: { protocol: 'tcp' as const, from, to, port: p.host } })),
    },
  ];
}

const actual = (results: readonly boolean[]): Reachability =>
  results.every(Boolean) ? 'yes' : results.some(Boolean) ? 'partly' : 'no';

const LEGACY_RESET = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';
const NAT = (rules: string) =>
  `*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n${rules}COMMIT\n`;

interface Situation {
  readonly name: string;
  readonly nft?: string;
  readonly v4?: string;
  readonly v6?: string;
}

function situations(p: Ports): Situation[] {
  const nftNat = `table ip labnat {\n chain pre {\n  type nat hook prerouting priority -100; policy accept;\n  tcp dport ${String(p.host)} dnat to 10.78.0.2:${String(p.container)}\n }\n}\n`;
  const legacyNat = NAT(
    `-A PREROUTING -p tcp -m tcp --dport ${String(p.host)} -j DNAT --to-destination 10.78.0.2:${String(p.container)}\n`,
  );
  const nft = (input: string, forward = '') =>
    `${nftNat}table inet lab {\n set clients4 { type ipv4_addr; elements = { 10.77.0.2 } }\n set clients6 { type ipv6_addr; elements = { fd77::2 } }\n set open { type inet_service; elements = { ${String(p.any4)}, ${String(p.dual)} } }\n chain input {\n  type filter hook input priority 0; ${input}\n }\n chain through {\n  type filter hook forward priority 0; ${forward || 'policy accept;'}\n }\n}\n`;
  const filter = (policy: string, rules: string, forward = 'ACCEPT', forwardRules = '', chains = '') =>
    `*filter\n:INPUT ${policy} [0:0]\n:FORWARD ${forward} [0:0]\n:OUTPUT ACCEPT [0:0]\n${chains}${rules}${forwardRules}COMMIT\n`;
  const keep = '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -i lo -j ACCEPT\n';
  return [
    { name: 'no firewall (nft DNAT only)', nft: nft('policy accept;') },
    {
      name: 'nft: drop by port (anonymous set)',
      nft: nft(
        `policy accept;\n  tcp dport { ${String(p.any4)}, ${String(p.dual)} } drop\n  udp dport ${String(p.udp)} drop`,
      ),
    },
    {
      name: 'nft: reject by port, forward reject',
      nft: nft(
        `policy accept;\n  tcp dport ${String(p.veth4)} reject\n  tcp dport ${String(p.v6only)} reject with tcp reset`,
        `policy accept;\n  tcp dport ${String(p.container)} reject`,
      ),
    },
    { name: 'nft: drop by interface (wildcard)', nft: nft('policy accept;\n  iifname "pk*" drop') },
    {
      name: 'nft: accept by source address (named sets)',
      nft: nft(
        'policy drop;\n  ct state established,related accept\n  iif "lo" accept\n  meta l4proto ipv6-icmp accept\n  ip saddr @clients4 accept\n  ip6 saddr @clients6 accept',
        'policy drop;\n  ct state established,related accept\n  ip saddr @clients4 accept',
      ),
    },
    {
      name: 'nft: accept a set of ports, policy drop, ct state vmap',
      nft: nft(
        `policy drop;\n  ct state vmap { established : accept, related : accept, invalid : drop }\n  meta l4proto ipv6-icmp accept\n  tcp dport @open accept\n  udp dport ${String(p.udp)} accept`,
      ),
    },
    {
      name: 'iptables-legacy: policy DROP, multiport accept',
      v4:
        filter(
          'DROP',
          `${keep}-A INPUT -p tcp -m multiport --dports ${String(p.any4)},${String(p.dual)} -j ACCEPT\n-A INPUT -p udp -m udp --dport ${String(p.udp)} -j ACCEPT\n`,
        ) + legacyNat,
      v6: filter(
        'DROP',
        `${keep}-A INPUT -p ipv6-icmp -j ACCEPT\n-A INPUT -p tcp -m multiport --dports ${String(p.any4)},${String(p.dual)} -j ACCEPT\n-A INPUT -p udp -m udp --dport ${String(p.udp)} -j ACCEPT\n`,
      ),
    },
    {
      name: 'iptables-legacy: REJECT by port, DROP by interface',
      v4:
        filter(
          'ACCEPT',
          `-A INPUT -p tcp -m tcp --dport ${String(p.veth4)} -j REJECT --reject-with tcp-reset\n-A INPUT -i pk+ -j DROP\n`,
        ) + legacyNat,
      v6: filter(
        'ACCEPT',
        `-A INPUT -p tcp -m tcp --dport ${String(p.v6only)} -j REJECT --reject-with tcp-reset\n-A INPUT -i pk+ -j DROP\n`,
      ),
    },
    {
      name: 'iptables-legacy: accept by source in a user chain',
      v4:
        filter(
          'DROP',
          '-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -j clients\n-A clients -s 10.77.0.2/32 -j ACCEPT\n-A clients -j RETURN\n',
          'DROP',
          `-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FORWARD -s 10.77.0.2/32 -d 10.78.0.2/32 -p tcp -m tcp --dport ${String(p.container)} -j ACCEPT\n`,
          ':clients - [0:0]\n',
        ) + legacyNat,
      v6: filter(
        'DROP',
        '-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p ipv6-icmp -j ACCEPT\n-A INPUT -j clients\n-A clients -s fd77::2/128 -j ACCEPT\n',
        'ACCEPT',
        '',
        ':clients - [0:0]\n',
      ),
    },
    {
      name: 'nftables and iptables-legacy both loaded: each drops one port',
      nft: `table inet lab {\n chain input {\n  type filter hook input priority 0; policy accept;\n  tcp dport ${String(p.dual)} drop\n }\n}\n`,
      v4: filter('ACCEPT', `-A INPUT -p tcp -m tcp --dport ${String(p.any4)} -j DROP\n`) + legacyNat,
      v6: filter('ACCEPT', `-A INPUT -p tcp -m tcp --dport ${String(p.any4)} -j DROP\n`),
    },
  ];
}

describe('audit lab: reachable vs real connections', () => {
  let lab: AuditLab;
  let ports: Ports;
  let inodes: { server: number; container: number };
  let probers: Record<'client' | 'container', (probes: readonly Probe[]) => Promise<boolean[]>>;
  beforeAll(async () => {
    lab = buildAuditLab();
    const server = (await lab.start(lab.server, SERVER)) as Omit<Ports, 'container' | 'host'>;
    const { any4 } = (await lab.start(lab.container, CONTAINER)) as { any4: number };
    const used = new Set(Object.values(server));
    let host = any4;
    while (used.has(host)) host++;
    ports = { ...server, container: any4, host };
    probers = { client: await startProber(lab, lab.client), container: await startProber(lab, lab.container) };
    inodes = {
      server: statSync(`/run/netns/${lab.server}`).ino,
      container: statSync(`/run/netns/${lab.container}`).ino,
    };
  }, 30_000);
  afterAll(() => {
    lab.close();
  });

  it('finds 0 mismatches over every listener x rule situation', async () => {
    const rows: string[] = [];
    let checked = 0;
    for (const situation of situations(ports)) {
      lab.exec(lab.server, 'nft', ['-f', '-'], `flush ruleset\n${situation.nft ?? ''}`);
      lab.exec(lab.server, 'iptables-legacy-restore', [], situation.v4 ?? LEGACY_RESET + NAT(''));
      lab.exec(lab.server, 'ip6tables-legacy-restore', [], situation.v6 ?? LEGACY_RESET);
      const { listeners } = await exposeListeners({ netns: [lab.server, lab.container] });
      const list = cases(ports);
      const from = (ns: 'client' | 'container') =>
        list.flatMap((c) => c.probes.filter((p) => p.ns === ns).map((p) => p.probe));
      const [client, container] = await Promise.all([
        probers.client(from('client')),
        probers.container(from('container')),
      ]);
      const results = { client, container };
      const cursor = { client: 0, container: 0 };
      for (const c of list) {
        const got = c.probes.map((p) => results[p.ns][cursor[p.ns]++] ?? false);
        const netns = c.container === true ? inodes.container : inodes.server;
        const exposure = listeners.find(
          (l) =>
            l.netns === netns && l.protocol === c.protocol && l.local.port === c.port && l.local.address === c.address,
        );
        checked++;
        if (exposure?.reachable !== actual(got))
          rows.push(
            `${situation.name} / ${c.name}: reachable=${exposure?.reachable ?? 'not listed'}, probes=${JSON.stringify(got)} (${exposure?.reason ?? ''})`,
          );
      }
    }
    expect(rows).toEqual([]);
    expect(checked).toBe(80);
  }, 120_000);

  it('finds a container listener published by a userland proxy (docker-proxy), and connects through it', async () => {
    lab.exec(lab.server, 'nft', ['flush', 'ruleset']);
    lab.exec(lab.server, 'iptables-legacy-restore', [], LEGACY_RESET + NAT(''));
    lab.exec(lab.server, 'ip6tables-legacy-restore', [], LEGACY_RESET);
    // A process whose command name is docker-proxy (comm comes from the name it was run by), with
    // docker-proxy's flags, that really relays to the container.
    const dir = mkdtempSync(join(tmpdir(), 'psa-proxy-'));
    symlinkSync(process.execPath, join(dir, 'docker-proxy'));
    const relay = `const net = require('node:net'); const a = process.argv;
      const ip = a[a.indexOf('-container-ip') + 1], port = Number(a[a.indexOf('-container-port') + 1]);
      const s = net.createServer((c) => { const u = net.connect(port, ip); c.pipe(u).pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); });
      s.listen(0, '0.0.0.0', () => console.log(JSON.stringify({ port: s.address().port })));
      setTimeout(() => process.exit(0), 120000);`;
    const { port } = (await lab.start(lab.server, relay, join(dir, 'docker-proxy'), [
      '--',
      '-container-ip',
      '10.78.0.2',
      '-container-port',
      String(ports.container),
    ])) as { port: number };
    const { listeners } = await exposeListeners({ netns: [lab.server, lab.container] });
    const inContainer = listeners.find((l) => l.netns === inodes.container && l.local.port === ports.container);
    const published = inContainer?.published?.find((p) => p.via === 'proxy');
    expect(published).toEqual({ protocol: 'tcp', host: { address: '0.0.0.0', port }, via: 'proxy', reachable: 'yes' });
    const got = await probers.client([{ protocol: 'tcp', from: '10.77.0.2', to: '10.77.0.1', port }]);
    expect(got).toEqual([true]);
    rmSync(dir, { recursive: true });
  }, 60_000);
});
