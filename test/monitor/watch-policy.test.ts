import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy, watchSockets, type PolicyViolationEvent, type SocketEvent } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { makePolicyLab, type PolicyLab } from '../helpers/policy-netns.js';
import { canMakeNetnsFor } from '../helpers/system.js';

const violations = (events: readonly SocketEvent[]) =>
  events.filter((e): e is PolicyViolationEvent => e.type === 'policy-violation');

describe.skipIf(!canMakeNetnsFor('watch --policy'))('watchSockets with a policy: policy-violation events', () => {
  let lab: PolicyLab;
  beforeAll(() => {
    lab = makePolicyLab('wp');
  });
  afterAll(() => {
    lab.remove();
  });

  it('an unexpected listener that appears, and an expected one that goes, each give one event', async () => {
    const expected = await lab.listen();
    let unexpected: Awaited<ReturnType<PolicyLab['listen']>> | undefined;
    // Owner fields narrow the match as in the audit: the fixture's command name (`node`, or
    // `MainThread` under Node 24, which renames its main thread).
    const comm = readFileSync(`/proc/${String(expected.pid)}/comm`, 'utf8').trim();
    const file = lab.write(
      'policy.yml',
      `version: 1\nlisteners:\n  - netns: ${lab.netns}\n    protocol: tcp\n    port: ${String(expected.info.port)}\n    process: ${comm}\n`,
    );
    const controller = new AbortController();
    const events: SocketEvent[] = [];
    const options = { netns: lab.netns, protocols: ['tcp' as const], intervalMs: 100, debounceMs: 300 };
    const done = (async () => {
      const watch = watchSockets({
        ...options,
        summaryIntervalMs: 0,
        tracepoint: false,
        policy: loadPolicy(file),
        signal: controller.signal,
      });
      for await (const event of watch) events.push(event);
    })();
    const until = async (test: () => boolean) => {
      const end = Date.now() + 8000;
      while (!test()) {
        if (Date.now() > end) throw new Error(`timed out; events: ${JSON.stringify(events)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      await until(() =>
        events.some((e) => e.type === 'listener-added' && e.listener.local.port === expected.info.port),
      );
      unexpected = await lab.listen();
      const port = unexpected.info.port;
      await until(() => violations(events).length > 0);
      expect(violations(events)).toHaveLength(1);
      const [first] = violations(events);
      expect(first?.kind).toBe('unexpected-listener');
      expect(first?.listener?.local).toEqual({ address: '0.0.0.0', port });
      expect(first?.listener?.owners.map((o) => o.pid)).toEqual([unexpected.pid]);
      await expected.stop();
      await until(() => violations(events).length > 1);
      const [, second] = violations(events);
      expect(second?.kind).toBe('expected-listener-missing');
      expect(second?.expected).toMatchObject({ netns: lab.netns, port: expected.info.port, process: comm });
      // Only after the debounce: the removal comes first.
      const removed = events.findIndex((e) => e.type === 'listener-removed');
      expect(removed).toBeGreaterThanOrEqual(0);
      expect(removed).toBeLessThan(events.indexOf(second as SocketEvent));
      // Still present, still unexpected: no repeat.
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(violations(events)).toHaveLength(2);
    } finally {
      controller.abort();
      await Promise.all([expected.stop(), unexpected?.stop()]);
    }
    await done;
  });
});

describe('portscope watch --policy: a bad policy is one line and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portscope-wp-bad-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('names FILE:LINE:COL and what was expected', async () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'version: 1\nlisteners:\n  - protocol: sctp\n    port: 22\n');
    const result = await cli(['watch', '--events', '--duration', '1s', '--policy', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^portscope: .*bad\.yml:3:15: expected `listeners\.0\.protocol` to be one of tcp, udp, got `sctp`\n$/,
    );
    expect(result.stdout).toBe('');
  });
});
