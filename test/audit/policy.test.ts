import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPortscopeError } from '../../src/errors.js';
import {
  auditListeners,
  baselinePolicy,
  computeFindings,
  loadPolicy,
  parsePolicy,
  policyYaml,
} from '../../src/audit/index.js';

const message = (text: string, file = 'p.yml'): string => {
  try {
    parsePolicy(text, file);
  } catch (error) {
    if (isPortscopeError(error, 'INVALID_ARGUMENT')) return error.message;
    throw error;
  }
  return 'accepted';
};

describe('parsePolicy: one line with file, line, column and what was expected', () => {
  it.each([
    [
      'version: 1\nlisteners:\n  - protocol: tcp\n    port: 70000\n',
      'p.yml:4:11: expected `listeners.0.port` <= 65535, got `70000`',
    ],
    [
      'version: 1\nlisteners:\n  - protocol: sctp\n    port: 22\n',
      'p.yml:3:15: expected `listeners.0.protocol` to be one of tcp, udp, got `sctp`',
    ],
    [
      'version: 1\nlisteners:\n  - protocol: tcp\n    port: 22\n    pid: 5\n',
      'p.yml:5:5: unexpected property `pid` in `listeners.0`; expected one of netns, protocol, port, family, scope, address, process, exe, user, unit, container, comment',
    ],
    ['version: 1\nlisteners:\n  - protocol: tcp\n', 'p.yml:3:5: `listeners.0` needs `port`'],
    ['version: 2\nlisteners: []\n', 'p.yml:1:10: expected `version` to be 1, got `2`'],
    ['version: 1\nlisteners: {}\n', 'p.yml:2:12: expected `listeners` to be array, got `{}`'],
    [
      'version: 1\nlisteners: []\nfailOn: severe\n',
      'p.yml:3:9: expected `failOn` to be one of info, low, medium, high, critical, got `severe`',
    ],
    ['version: 1\nlisteners: [\n', 'p.yml:3:1: '],
    [
      '{"version": 1, "listeners": [{"protocol": "tcp", "port": "22"}]}',
      'p.yml:1:58: expected `listeners.0.port` to be integer, got `22`',
    ],
  ])('%j', (text, expected) => {
    const got = message(text);
    expect(got.startsWith(expected)).toBe(true);
    expect(got).not.toContain('\n');
  });

  it('accepts YAML and JSON with every field', () => {
    const yaml = `version: 1\nfailOn: high\nseverity:\n  no-owner: info\nignore:\n  - kind: ephemeral-range-listener\n  - id: "risky-service:host/tcp/0.0.0.0:23"\nlisteners:\n  - netns: host\n    protocol: tcp\n    port: 22\n    scope: all\n    process: sshd\n    user: root\n    unit: ssh.service\n`;
    const policy = parsePolicy(yaml, 'p.yml');
    expect(policy.listeners[0]?.unit).toBe('ssh.service');
    expect(parsePolicy(JSON.stringify(policy), 'p.json')).toEqual(policy);
  });

  it('loadPolicy: a missing file is NOT_FOUND naming it', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'portscope-policy-')), 'none.yml');
    let thrown: unknown;
    try {
      loadPolicy(path);
    } catch (error) {
      thrown = error;
    }
    expect(isPortscopeError(thrown, 'NOT_FOUND') && thrown.message.includes(path)).toBe(true);
    writeFileSync(path, 'version: 1\nlisteners: []\n');
    expect(loadPolicy(path).listeners).toEqual([]);
  });
});

describe('baselinePolicy (audit --init)', () => {
  it('today’s listeners as a policy: valid against the schema, and with it no listener is unexpected or missing', async () => {
    const report = await auditListeners({ netns: 'host', firewall: false });
    const policy = baselinePolicy(report.listeners);
    expect(policy.listeners.length).toBeGreaterThan(0);
    expect(JSON.stringify(policy)).not.toContain('"pid"');
    const reread = parsePolicy(policyYaml(policy, ['baseline']), 'baseline.yml');
    expect(reread).toEqual(policy);
    const findings = computeFindings({ listeners: report.listeners, established: [], policy: reread });
    expect(findings.filter((f) => f.kind === 'unexpected-listener' || f.kind === 'expected-listener-missing')).toEqual(
      [],
    );
  });
});
