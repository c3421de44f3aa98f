import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderMetrics } from '../../src/monitor/index.js';
import { hasTool } from '../helpers/system.js';

const examples = new URL('../../docs/examples/', import.meta.url).pathname;
const rules = join(examples, 'prometheus/portscope-rules.yml');
const dashboard = JSON.parse(readFileSync(join(examples, 'grafana/portscope-dashboard.json'), 'utf8')) as {
  title: string;
  panels: { title: string; targets?: { expr?: string }[] }[];
};
const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));

/** The metric names the exporter publishes (with --policy): the `# TYPE` lines of an exposition. */
async function exportedNames(): Promise<Set<string>> {
  const empty = { listeners: [], sockets: [], acceptQueues: [], listenCounters: [] };
  const text = await renderMetrics({ durationSeconds: 0, sample: empty, findings: [] });
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] ?? ''));
}

/** Every `portscope_...` metric a PromQL text names (recording rules, `portscope:...`, are not metrics). */
const namesIn = (text: string) => [...text.matchAll(/\bportscope_[a-z_]+\b/g)].map((m) => m[0]);

const promtool = (...args: string[]) => execFileSync('promtool', args, { stdio: 'pipe', timeout: 30_000 }).toString();

describe('docs/examples: Prometheus rules and Grafana dashboard', () => {
  it('reference only metrics the exporter publishes', async () => {
    const names = await exportedNames();
    expect(names.size).toBe(9);
    const used = [...namesIn(readFileSync(rules, 'utf8')), ...exprs.flatMap(namesIn)];
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !names.has(name))).toEqual([]);
  });

  it('the dashboard parses and every panel has a query', () => {
    expect(dashboard.title).toMatch(/portscope/);
    expect(dashboard.panels.length).toBeGreaterThan(5);
    for (const panel of dashboard.panels) expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    expect(exprs.every((expr) => expr !== '')).toBe(true);
  });

  it.skipIf(!hasTool('promtool', 'promtool on the example rules'))('promtool check rules and test rules pass', () => {
    expect(promtool('check', 'rules', rules)).toMatch(/SUCCESS: 8 rules found/);
    expect(promtool('test', 'rules', join(examples, 'prometheus/portscope-rules.test.yml'))).toMatch(/SUCCESS/);
  });

  it.skipIf(!hasTool('promtool', "promtool on the dashboard's PromQL"))("the dashboard's PromQL parses", () => {
    // promtool parses expressions only in rule files: wrap each query, with Grafana's variables filled in.
    const dir = mkdtempSync(join(tmpdir(), 'portscope-dashboard-'));
    try {
      const lines = exprs.map(
        (expr, i) =>
          `      - record: dashboard:q${String(i)}\n        expr: ${JSON.stringify(expr.replaceAll(/\$\w+/g, '.*'))}`,
      );
      writeFileSync(join(dir, 'rules.yml'), `groups:\n  - name: dashboard\n    rules:\n${lines.join('\n')}\n`);
      expect(promtool('check', 'rules', join(dir, 'rules.yml'))).toMatch(
        `SUCCESS: ${String(exprs.length)} rules found`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the systemd unit grants the two capabilities and nothing else', () => {
    const unit = readFileSync(join(examples, 'systemd/portscope-exporter.service'), 'utf8');
    for (const key of ['CapabilityBoundingSet', 'AmbientCapabilities']) {
      expect(unit).toMatch(new RegExp(`^${key}=CAP_SYS_PTRACE CAP_DAC_READ_SEARCH$`, 'm'));
    }
    expect(unit).toMatch(/^DynamicUser=yes$/m);
    expect(unit).toMatch(/^NoNewPrivileges=yes$/m);
  });

  it.skipIf(!hasTool('systemd-analyze', 'systemd-analyze verify on the unit'))(
    'systemd-analyze verify accepts it',
    () => {
      // verify wants ExecStart's program to exist: point it at this node.
      const dir = mkdtempSync(join(tmpdir(), 'portscope-unit-'));
      try {
        const unit = readFileSync(join(examples, 'systemd/portscope-exporter.service'), 'utf8');
        const file = join(dir, 'portscope-exporter.service');
        writeFileSync(file, unit.replace('/usr/bin/portscope', process.execPath));
        const result = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 30_000 });
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
