import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditListeners, RISKY_SERVICES, riskyServiceFor, type AuditReport } from '../../src/audit/index.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { isRoot } from '../helpers/system.js';

const ns = `psaud${String(process.pid)}`;
const fixture = new URL('../helpers/audit-listeners.py', import.meta.url).pathname;

describe.skipIf(!isRoot)('risky services in a namespace of our own (fixed ports are ours there)', () => {
  let server: Fixture<{ pid: number }> | undefined;
  let report: AuditReport;

  beforeAll(async () => {
    execFileSync('ip', ['netns', 'add', ns]);
    const inNs = (...args: string[]) => execFileSync('ip', ['netns', 'exec', ns, ...args]);
    inNs('ip', 'link', 'set', 'lo', 'up');
    inNs('ip', 'link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
    inNs('ip', 'link', 'set', 'd1', 'up');
    inNs('ip', 'addr', 'add', '10.231.0.1/24', 'dev', 'd0');
    inNs('ip', 'link', 'set', 'd0', 'up');
    const sockets = [
      { proto: 'tcp', addr: '127.0.0.1', port: 6379 },
      { proto: 'tcp', addr: '0.0.0.0', port: 11211 },
      { proto: 'udp', addr: '0.0.0.0', port: 11211 },
      { proto: 'tcp', addr: '10.231.0.1', port: 23 },
    ];
    server = await startFixture('python3', [fixture, JSON.stringify(sockets), `/run/netns/${ns}`]);
    report = await auditListeners({ netns: ns });
  });
  afterAll(async () => {
    await server?.stop();
    execFileSync('ip', ['netns', 'del', ns]);
  });

  it('Redis on 127.0.0.1 is not reachable, so not a finding', () => {
    const l = report.listeners.find((x) => x.local.port === 6379);
    expect(l?.netnsName).toBe(ns);
    expect(l?.reachable).toBe('no');
    expect(report.findings.filter((f) => f.kind === 'risky-service' && f.id.endsWith(':6379'))).toEqual([]);
  });

  it('memcached (TCP and UDP) and telnet bound beyond loopback are findings unless unreachable, with their source', () => {
    for (const [protocol, address, port] of [
      ['tcp', '0.0.0.0', 11211],
      ['udp', '0.0.0.0', 11211],
      ['tcp', '10.231.0.1', 23],
    ] as const) {
      const l = report.listeners.find((x) => x.protocol === protocol && x.local.port === port);
      expect(l?.local.address).toBe(address);
      const found = report.findings.filter(
        (f) => f.id === `risky-service:${ns}/${protocol}/${address}:${String(port)}`,
      );
      expect(found.length).toBe(l?.reachable === 'no' ? 0 : 1);
      if (l?.reachable === 'yes') expect(found[0]?.severity).toBe(riskyServiceFor(protocol, port, [])?.severity);
      if (found[0] !== undefined) expect(found[0].evidence.join('\n')).toMatch(/source: https:\/\//);
    }
  });

  it('every entry of the list has a source URL and a reason; the issue names are all there', () => {
    for (const s of RISKY_SERVICES) {
      expect(s.source).toMatch(/^https:\/\/\S+$/);
      expect(s.why.length).toBeGreaterThan(5);
    }
    const names = new Set(RISKY_SERVICES.map((s) => s.name));
    for (const n of [
      'telnet',
      'ftp',
      'tftp',
      'rsh',
      'rlogin',
      'rexec',
      'rpcbind',
      'SMB',
      'NFS',
      'SNMP',
      'VNC',
      'RDP',
      'X11',
      'Redis',
      'Memcached',
      'MongoDB',
      'Elasticsearch',
      'CouchDB',
      'etcd',
      'Docker API',
      'kubelet',
    ])
      expect(names.has(n)).toBe(true);
    expect(riskyServiceFor('tcp', 2375, [])?.name).toBe('Docker API');
    expect(riskyServiceFor('tcp', 7000, ['redis-server'])?.name).toBe('Redis');
    expect(riskyServiceFor('udp', 2375, [])).toBeUndefined();
  });
});
