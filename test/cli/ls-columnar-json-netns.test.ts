import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasNativeAddon } from '../../src/index.js';
import type { Snapshot } from '../../src/model/index.js';
import { builtCli, canMakeNetnsFor, commandWorks } from '../helpers/system.js';

const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const script = fileURLToPath(new URL('../helpers/columnar-netns.sh', import.meta.url));
const fixture = fileURLToPath(new URL('../helpers/columnar-sockets.py', import.meta.url));
const canUnshare =
  canMakeNetnsFor('the columnar JSON test over several namespaces') &&
  commandWorks('unshare', ['--mount', '--net', '--pid', '--fork', '--mount-proc', 'true']);

/** The text with what changes from one listing to the next made equal: `takenAt` and the timers' `expiresMs`. */
const sameTime = (text: string) => text.replace(/("(?:takenAt|expiresMs)": )[^,\n]*/g, '$1');

describe.skipIf(!canUnshare || !builtCli || !hasNativeAddon())('ls --json from columns over several namespaces', () => {
  it('prints, from columns, the Snapshot the object path prints: every namespace, its sources, socketSource', () => {
    const run = spawnSync(
      'unshare',
      ['--mount', '--propagation', 'private', '--net', '--pid', '--fork', '--mount-proc', 'sh', script, fixture, root],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.stderr).toBe('');
    const [, columns, rows, objects, code] = run.stdout.split('@@@\n');
    expect([rows?.trim(), code?.trim()]).toEqual([String((JSON.parse(columns ?? '') as Snapshot).sockets.length), '0']);
    expect(sameTime(columns ?? '')).toBe(sameTime(objects ?? ''));
    const snapshot = JSON.parse(columns ?? '') as Snapshot;
    expect(snapshot.namespaces.map((n) => [n.isHost, n.pids, n.sources, n.name])).toEqual([
      [true, expect.any(Number), ['sock_diag'], undefined],
      [false, 1, ['sock_diag'], 'one'],
    ]);
    expect(snapshot.socketSource?.source).toBe('per-namespace');
    expect(snapshot.sockets.length).toBeGreaterThan(400);
  });
});
