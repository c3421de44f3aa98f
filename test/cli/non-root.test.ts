import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/index.js';
import { entry, startSocketsFixture, type Fixture, type SocketsInfo } from '../helpers/fixture.js';

const root = new URL('../../', import.meta.url).pathname;
const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
const RUNTIME = [
  'dist',
  'bin',
  'package.json',
  'build/Release/portscope_native.node',
  ...Object.keys(dependencies).map((name) => `node_modules/${name}`),
];

const canDropRoot = (() => {
  if (process.getuid?.() !== 0) return false;
  try {
    // nobody must be able to run this very node (CI's Node 24 lives in a temporary directory).
    execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, '--version'], { stdio: 'ignore' });
    execFileSync('test', ['-f', join(root, 'dist/cli/main.js')]);
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!canDropRoot).each(['native', 'procfs'])(
  'run as nobody while root owns the sockets (%s)',
  (backend) => {
    let fixture: Fixture<SocketsInfo>;
    let dir: string;
    const asNobody = (...args: string[]) => {
      const command = [process.execPath, join(dir, 'bin/portscope.js'), ...args];
      return spawnSync('runuser', ['-u', 'nobody', '--', 'env', `PORTSCOPE_BACKEND=${backend}`, ...command], {
        encoding: 'utf8',
        cwd: dir,
      });
    };

    beforeAll(async () => {
      // A world-readable copy: the checkout itself may sit in a directory that nobody cannot enter.
      dir = mkdtempSync(join(tmpdir(), 'portscope-nobody-'));
      for (const part of RUNTIME) cpSync(join(root, part), join(dir, part), { recursive: true });
      chmodSync(dir, 0o755);
      fixture = await startSocketsFixture();
    });
    afterAll(async () => {
      await fixture.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('still lists every socket, with owners unknown, and says so in exactly one stderr line', () => {
      const port = (entry(fixture.info, 'tcp4_listen').local as [string, number])[1];
      const result = asNobody('ls', '-tlnp', `src 127.0.0.1:${String(port)}`);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`LISTEN .*127\\.0\\.0\\.1:${String(port)} .* \\?\\n`));
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^portscope: Owners of 1 sockets are unknown: \d+ processes of other users could not be read.*run as root \(sudo\)/,
      );
    });

    it('marks those sockets permission-denied in the JSON, with the warning', () => {
      const snapshot = JSON.parse(asNobody('ls', '-t', '-l', '-p', '--json').stdout) as Snapshot;
      const port = (entry(fixture.info, 'tcp4_listen').local as [string, number])[1];
      const mine = snapshot.sockets.find((s) => s.local.port === port);
      expect(mine).toMatchObject({ ownerStatus: 'permission-denied', owners: [] });
      expect(snapshot.warnings.map((w) => w.code)).toEqual(['PERMISSION_DENIED']);
      // sock_diag needs no privilege in one's own namespace, as `ss` shows.
      expect(snapshot.namespaces.find((n) => n.isHost)?.sources).toEqual([
        backend === 'native' ? 'sock_diag' : 'procfs',
      ]);
    });
  },
);
