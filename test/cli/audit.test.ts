import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINDING_KINDS, parsePolicy, type AuditReport } from '../../src/audit/index.js';
import { cli } from '../helpers/cli.js';

/** This process's command name (comm): `node`, or `MainThread` under Node 24, which renames its main thread. */
const OWN_COMM = readFileSync('/proc/self/comm', 'utf8').trim();

const dir = mkdtempSync(join(tmpdir(), 'portscope-audit-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const ignoreAll = FINDING_KINDS.map((k) => `  - kind: ${k}\n`).join('');

describe('portscope audit', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => server.close());

  it('--json: one object with listeners (protocol, family, local, netns, owners, scope, firewall, reachable, reason) and findings', async () => {
    const { code, stdout } = await cli(['audit', '--netns', 'host', '--json', '--fail-on', 'critical']);
    const report = JSON.parse(stdout) as AuditReport;
    const mine = report.listeners.find((l) => l.protocol === 'tcp' && l.local.port === port);
    expect(mine).toMatchObject({
      family: 'inet',
      local: { address: '127.0.0.1', port },
      netnsName: 'host',
      reachable: 'no',
      scope: { kind: 'loopback' },
    });
    expect(mine?.owners.map((o) => o.pid)).toContain(process.pid);
    for (const key of ['netns', 'firewall', 'reason']) expect(mine).toHaveProperty(key);
    expect(Array.isArray(report.findings)).toBe(true);
    expect(code).toBe(report.findings.some((f) => f.severity === 'critical') ? 1 : 0);
  });

  it('--format table lists listeners reachable from the network first', async () => {
    const { stdout } = await cli(['audit', '--netns', 'host', '--format', 'table']);
    const rows = stdout.split('\n\n')[0]?.split('\n').slice(1) ?? [];
    expect(rows.some((r) => r.includes(`127.0.0.1:${String(port)}`))).toBe(true);
    const firstNo = rows.findIndex((r) => r.startsWith('no '));
    expect(rows.slice(firstNo).every((r) => r.startsWith('no '))).toBe(true);
  });

  it('--format markdown: a report to paste in a ticket', async () => {
    const { stdout } = await cli(['audit', '--netns', 'host', '--format', 'markdown']);
    expect(stdout).toMatch(/^# Port audit of /);
    expect(stdout).toContain('## Findings');
    expect(stdout).toContain(`| no | tcp | \`127.0.0.1:${String(port)}\` | host | loopback |`);
  });

  it('--init prints a baseline policy that the schema accepts', async () => {
    const { code, stdout } = await cli(['audit', '--netns', 'host', '--init']);
    expect(code).toBe(0);
    const policy = parsePolicy(stdout, 'baseline.yml');
    expect(policy.listeners).toContainEqual(
      expect.objectContaining({ netns: 'host', protocol: 'tcp', port, scope: 'loopback', process: OWN_COMM }),
    );
  });

  it('exit codes: 0 clean, 1 a finding at or above --fail-on, 2 bad policy or option, 3 failure', async () => {
    const clean = file('clean.yml', `version: 1\nlisteners: []\nignore:\n${ignoreAll}`);
    expect((await cli(['audit', '--netns', 'host', '--policy', clean])).code).toBe(0);
    const missing = file(
      'missing.yml',
      `version: 1\nlisteners:\n  - {protocol: tcp, port: ${String(port)}, process: not-this}\nignore:\n${ignoreAll
        .split('\n')
        .filter((l) => !l.includes('expected-listener-missing'))
        .join('\n')}\n`,
    );
    const found = await cli(['audit', '--netns', 'host', '--policy', missing]);
    expect(found.code).toBe(1);
    expect(found.stdout).toContain(`expected-listener-missing:host/tcp/${String(port)}`);
    expect((await cli(['audit', '--netns', 'host', '--policy', missing, '--fail-on', 'high'])).code).toBe(0);
    const bad = file('bad.yml', 'version: 1\nlisteners:\n  - protocol: tcp\n    port: 0\n');
    const badRun = await cli(['audit', '--policy', bad]);
    expect(badRun.code).toBe(2);
    expect(badRun.stderr).toBe(`portscope: ${bad}:4:11: expected \`listeners.0.port\` >= 1, got \`0\`\n`);
    expect((await cli(['audit', '--fail-on', 'severe'])).code).toBe(2);
    expect((await cli(['audit', '--firewall', 'nft'])).stderr).toContain('Expected --policy FILE with --firewall');
    expect((await cli(['audit', '--policy', dir])).code).toBe(3);
  });

  it('--firewall prints rules from the policy and applies nothing', async () => {
    const policy = file(
      'fw.yml',
      'version: 1\nlisteners:\n  - {protocol: tcp, port: 22}\n  - {protocol: udp, port: 53}\n',
    );
    const nft = await cli(['audit', '--policy', policy, '--firewall', 'nft']);
    expect(nft.code).toBe(0);
    expect(nft.stdout.startsWith('#!/usr/sbin/nft -f\n')).toBe(true);
    expect(nft.stdout).toContain('\t\ttcp dport { 22 } accept\n\t\tudp dport { 53 } accept\n');
    // Options that shape a report would be ignored by --firewall and --init: refused, naming them.
    const mixed = await cli(['audit', '--policy', policy, '--firewall', 'nft', '--init', '--fail-on', 'high']);
    expect([mixed.code, mixed.stderr]).toEqual([
      2,
      'portscope: Expected --firewall without --fail-on, --init: it prints no report\n',
    ]);
    const init = await cli(['audit', '--init', '--json', '--policy', policy]);
    expect([init.code, init.stderr]).toEqual([
      2,
      'portscope: Expected --init without --json, --policy: it prints no report\n',
    ]);
    const bad = await cli(['audit', '--policy', policy, '--firewall', 'pf']);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      'portscope: Expected --firewall to be one of nft, iptables, ip6tables, ufw, firewalld, got `pf`\n',
    ]);
  });
  it('reads sockets with the backend PORTSCOPE_BACKEND names, as ls does (a bad one is refused, not ignored)', async () => {
    const env = { PORTSCOPE_BACKEND: 'bogus' };
    const refused = 'portscope: Expected PORTSCOPE_BACKEND to be auto, native or procfs, got `bogus`\n';
    expect(await cli(['audit', '--netns', 'host'], { env })).toMatchObject({ code: 2, stderr: refused });
    expect(await cli(['audit', '--netns', 'host', '--init'], { env })).toMatchObject({ code: 2, stderr: refused });
    const procfs = await cli(['audit', '--netns', 'host', '--json'], { env: { PORTSCOPE_BACKEND: 'procfs' } });
    const report = JSON.parse(procfs.stdout) as AuditReport;
    expect(report.listeners.some((l) => l.local.port === port)).toBe(true);
  });
});
