import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket as NetSocket } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditListeners,
  computeFindings,
  type AuditReport,
  type Finding,
  type ListenerExposure,
} from '../../src/audit/index.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

/** This process's command name (comm): `node`, or `MainThread` under Node 24, which renames its main thread. */
const OWN_COMM = readFileSync('/proc/self/comm', 'utf8').trim();

interface Opened {
  pid: number;
  sockets: { proto: string; addr: string; port: number; inode: number }[];
}
const fixture = new URL('../helpers/audit-listeners.py', import.meta.url).pathname;

const listen = async (host: string): Promise<Server> => {
  const server = createServer((c) => c.on('error', () => undefined));
  server.listen(0, host);
  await once(server, 'listening');
  return server;
};
const portOf = (s: Server) => (s.address() as { port: number }).port;
const about = (findings: readonly Finding[], kind: string, port: number) =>
  findings.filter((f) => f.kind === kind && f.id.endsWith(`:${String(port)}`));
const listenerOn = (report: AuditReport, address: string, port: number): ListenerExposure | undefined =>
  report.listeners.find((l) => l.protocol === 'tcp' && l.local.address === address && l.local.port === port);

describe('auditListeners findings on real sockets (host netns)', () => {
  let loopback: Server;
  let wildcard: Server;
  let client: NetSocket;
  let split: Fixture<Opened>;
  let ownerless: Fixture<Opened>;
  let report: AuditReport;

  beforeAll(async () => {
    loopback = await listen('127.0.0.1');
    wildcard = await listen('0.0.0.0');
    client = createConnection(portOf(wildcard), '127.0.0.1');
    await once(client, 'connect');
    // Another process takes ::1 on the port this process holds on 127.0.0.1.
    split = await startFixture<Opened>('python3', [
      fixture,
      JSON.stringify([{ proto: 'tcp', addr: '::1', port: portOf(loopback), v6only: true }]),
    ]);
    ownerless = await startFixture<Opened>('python3', [
      fixture,
      JSON.stringify([{ proto: 'tcp', addr: '127.0.0.1', inflight: true }]),
    ]);
    report = await auditListeners({ netns: 'host', policy: { version: 1, listeners: [] } });
  });
  afterAll(async () => {
    client.destroy();
    loopback.close();
    wildcard.close();
    await split.stop();
    await ownerless.stop();
  });

  it('a loopback listener is never reachable from the network, so never unexpected or risky', () => {
    const l = listenerOn(report, '127.0.0.1', portOf(loopback));
    expect(l?.reachable).toBe('no');
    expect(l?.owners.map((o) => o.pid)).toContain(process.pid);
    expect(about(report.findings, 'unexpected-listener', portOf(loopback))).toEqual([]);
    expect(about(report.findings, 'risky-service', portOf(loopback))).toEqual([]);
  });

  it('a wildcard listener whose peers are all loopback: bind 127.0.0.1', () => {
    const [f] = about(report.findings, 'wildcard-bind-loopback-peers', portOf(wildcard));
    expect(f?.id).toBe(`wildcard-bind-loopback-peers:host/tcp/0.0.0.0:${String(portOf(wildcard))}`);
    expect(f?.fix).toContain('127.0.0.1');
    expect(f?.evidence.join('\n')).toContain('127.0.0.1');
    expect(about(report.findings, 'wildcard-bind-loopback-peers', portOf(loopback))).toEqual([]);
  });

  it('a listener the network may reach and the policy does not list is unexpected', () => {
    const l = listenerOn(report, '0.0.0.0', portOf(wildcard));
    expect(l).toBeDefined();
    const unexpected = about(report.findings, 'unexpected-listener', portOf(wildcard));
    expect(unexpected.length).toBe(l?.reachable === 'no' ? 0 : 1);
  });

  it('the same port held by different processes on IPv4 and IPv6', () => {
    const [f] = report.findings.filter((x) => x.id === `split-owner-v4-v6:host/tcp/${String(portOf(loopback))}`);
    expect(f?.severity).toBe('medium');
    expect(f?.evidence.join('\n')).toContain(`[${String(split.pid)}]`);
    expect(f?.evidence.join('\n')).toContain(`[${String(process.pid)}]`);
    expect(report.findings.filter((x) => x.id === `split-owner-v4-v6:host/tcp/${String(portOf(wildcard))}`)).toEqual(
      [],
    );
  });

  it('a listener that no process holds (its fd in flight over a unix socket) has no owner', () => {
    const port = ownerless.info.sockets[0]?.port ?? -1;
    const l = listenerOn(report, '127.0.0.1', port);
    expect(l?.ownerStatus).toBe('none');
    expect(about(report.findings, 'no-owner', port).map((f) => f.severity)).toEqual(['low']);
    expect(about(report.findings, 'no-owner', portOf(loopback))).toEqual([]);
  });

  it('a port-0 listener inside the ephemeral range, unless the port is reserved', () => {
    const [from, to] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    const port = portOf(loopback);
    expect(port >= (from ?? 0) && port <= (to ?? 0)).toBe(true);
    const id = `ephemeral-range-listener:host/tcp/127.0.0.1:${String(port)}`;
    expect(report.findings.filter((f) => f.id === id).map((f) => f.severity)).toEqual(['low']);
    const input = { listeners: report.listeners, established: [] };
    const reserved = computeFindings({
      ...input,
      ephemeral: { from: from ?? 0, to: to ?? 0, reserved: [{ from: port, to: port }] },
    });
    expect(reserved.filter((f) => f.id === id)).toEqual([]);
  });

  it('policy: an expected listener matches by netns/protocol/port/scope/process; a missing one is a finding', () => {
    const port = portOf(wildcard);
    const input = { listeners: report.listeners, established: [] };
    const expected = computeFindings({
      ...input,
      policy: {
        version: 1,
        listeners: [
          { protocol: 'tcp', port, scope: 'all', process: OWN_COMM },
          { protocol: 'tcp', port, process: 'not-running' },
        ],
      },
    });
    expect(about(expected, 'unexpected-listener', port)).toEqual([]);
    const missing = expected.filter((f) => f.kind === 'expected-listener-missing');
    expect(missing.map((f) => f.id)).toEqual([`expected-listener-missing:host/tcp/${String(port)}`]);
    expect(missing[0]?.evidence[0]).toContain('process=not-running');
  });

  it('policy: severity overrides and ignores by id and by kind', () => {
    const port = portOf(wildcard);
    const input = { listeners: report.listeners, established: [] };
    const id = `expected-listener-missing:host/udp/${String(port)}`;
    const base = { version: 1 as const, listeners: [{ protocol: 'udp' as const, port, process: 'nobody-here' }] };
    expect(computeFindings({ ...input, policy: base }).find((f) => f.id === id)?.severity).toBe('medium');
    expect(
      computeFindings({ ...input, policy: { ...base, severity: { 'expected-listener-missing': 'critical' } } }).find(
        (f) => f.id === id,
      )?.severity,
    ).toBe('critical');
    expect(computeFindings({ ...input, policy: { ...base, ignore: [{ id }] } }).some((f) => f.id === id)).toBe(false);
    const byKind = computeFindings({ ...input, policy: { ...base, ignore: [{ kind: 'expected-listener-missing' }] } });
    expect(byKind.some((f) => f.kind === 'expected-listener-missing')).toBe(false);
  });

  it('a firewall rule that accepts a port nothing listens on is stale; one for a live port is not', () => {
    const rule = {
      source: 'nftables' as const,
      table: 'filter',
      chain: 'input',
      handle: 7,
      text: 'tcp dport 1 accept',
    };
    const live = portOf(wildcard);
    // A port nothing listens on: a listener's port once it is closed.
    const closed = execFileSync('python3', [
      '-c',
      'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])',
    ])
      .toString()
      .trim();
    const findings = computeFindings({
      listeners: report.listeners,
      established: [],
      accepted: [
        { protocol: 'tcp', port: live, rule },
        { protocol: 'tcp', port: Number(closed), rule },
      ],
    });
    const stale = findings.filter((f) => f.kind === 'stale-firewall-rule');
    expect(stale.map((f) => f.id)).toEqual([`stale-firewall-rule:tcp/${closed}:filter/input`]);
    expect(stale[0]?.evidence[0]).toContain('tcp dport 1 accept');
  });
});
