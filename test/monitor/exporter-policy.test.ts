import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMetrics, startExporter } from '../../src/monitor/index.js';
import { cli } from '../helpers/cli.js';
import { makePolicyLab, type PolicyLab } from '../helpers/policy-netns.js';
import { canMakeNetnsFor } from '../helpers/system.js';

const findingLines = (text: string) => text.split('\n').filter((line) => line.startsWith('portscope_audit_findings{'));

describe.skipIf(!canMakeNetnsFor('exporter --policy'))('exporter with a policy: portscope_audit_findings', () => {
  let lab: PolicyLab;
  beforeAll(() => {
    lab = makePolicyLab('xp');
  });
  afterAll(() => {
    lab.remove();
  });

  it('counts findings by severity and kind, no pid or port label, at most once per min interval', async () => {
    const expected = await lab.listen();
    const policy = {
      version: 1 as const,
      listeners: [
        { netns: lab.netns, protocol: 'tcp' as const, port: expected.info.port },
        // Nothing listens on 1 there: one expected-listener-missing.
        { netns: lab.netns, protocol: 'tcp' as const, port: 1 },
      ],
    };
    const exporter = await startExporter({
      host: '127.0.0.1',
      port: 0,
      netns: lab.netns,
      minIntervalMs: 60_000,
      policy,
    });
    const fresh = await startExporter({ host: '127.0.0.1', port: 0, netns: lab.netns, minIntervalMs: 0, policy });
    const others: Awaited<ReturnType<PolicyLab['listen']>>[] = [];
    try {
      const scrape = async (url = exporter.url) => (await fetch(url)).text();
      const first = await scrape();
      expect(first).toMatch(/^portscope_up 1$/m);
      expect(first).toMatch(/^# TYPE portscope_audit_findings gauge$/m);
      // Only severity and kind as labels: bounded, whatever listeners come and go.
      for (const line of findingLines(first))
        expect(line).toMatch(/^portscope_audit_findings\{severity="[a-z]+",kind="[a-z0-9-]+"\} \d+$/);
      const missing = 'portscope_audit_findings{severity="medium",kind="expected-listener-missing"} 1';
      expect(findingLines(first)).toContain(missing);
      expect(first).not.toMatch(/kind="unexpected-listener"/);
      others.push(...(await Promise.all([lab.listen(), lab.listen()])));
      // Within --min-interval: the last collection's answer.
      expect(findingLines(await scrape())).toEqual(findingLines(first));
      // An exporter with no minimum interval audits again.
      const later = findingLines(await scrape(fresh.url));
      expect(later).toContain(missing);
      expect(later).toContain('portscope_audit_findings{severity="medium",kind="unexpected-listener"} 2');
      // Without a policy: no audit, no such metric.
      const empty = { listeners: [], sockets: [], acceptQueues: [], listenCounters: [] };
      expect(await renderMetrics({ durationSeconds: 0, sample: empty })).not.toMatch(/portscope_audit_findings/);
    } finally {
      await Promise.all([exporter.close(), fresh.close(), expected.stop(), ...others.map((o) => o.stop())]);
    }
  });
});

describe('portscope exporter --policy: a bad policy is one line and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portscope-xp-bad-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [
      'port.yml',
      'version: 1\nlisteners:\n  - protocol: tcp\n    port: http\n',
      /port\.yml:4:11: expected `listeners\.0\.port` to be integer/,
    ],
    ['syntax.yml', 'version: 1\nlisteners: [\n', /syntax\.yml:\d+:\d+: /],
  ])('%s', async (name, text, message) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    const result = await cli(['exporter', '--listen', '127.0.0.1:0', '--policy', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });

  it('a missing file', async () => {
    const result = await cli(['exporter', '--listen', '127.0.0.1:0', '--policy', join(dir, 'none.yml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^portscope: Expected a policy file, got `.*none\.yml`: no such file\n$/);
  });
});
