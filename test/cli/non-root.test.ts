import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/index.js';
import { entry, startSocketsFixture, type Fixture, type SocketsInfo } from '../helpers/fixture.js';
import { canDropRoot, worldReadableCli } from '../helpers/system.js';

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
      dir = worldReadableCli();
      fixture = await startSocketsFixture();
    });
    afterAll(async () => {
      await fixture.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    // --netns host: a named namespace another test file makes meanwhile (in /run/netns, which nobody sees but
    // cannot enter) would add its own EPERM warning; the next describe covers that warning.
    it('still lists every socket, with owners unknown, and says so in exactly one stderr line', () => {
      const port = (entry(fixture.info, 'tcp4_listen').local as [string, number])[1];
      const result = asNobody('ls', '-tlnp', '--netns', 'host', `src 127.0.0.1:${String(port)}`);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`LISTEN .*127\\.0\\.0\\.1:${String(port)} .* \\?\\n`));
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^portscope: Owners of 1 sockets are unknown: \d+ processes of other users could not be read.*run as root \(sudo\)/,
      );
    });

    it('marks those sockets permission-denied in the JSON, with the warning', () => {
      const snapshot = JSON.parse(asNobody('ls', '-t', '-l', '-p', '--netns', 'host', '--json').stdout) as Snapshot;
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

describe.skipIf(!canDropRoot)('run as nobody beside a named namespace it cannot enter', () => {
  const name = `ps-eperm-${String(process.pid)}`;
  let dir: string;
  beforeAll(() => {
    dir = worldReadableCli();
    execFileSync('ip', ['netns', 'add', name]);
  });
  afterAll(() => {
    execFileSync('ip', ['netns', 'del', name]);
    rmSync(dir, { recursive: true, force: true });
  });

  // The procfs backend reads a namespace through its processes only: one without any is not listed, and not warned about.
  it('says so in one line naming the namespace and every table', () => {
    const command = [process.execPath, join(dir, 'bin/portscope.js'), 'ls', '-n'];
    // stdout ignored: a host with many sockets would overflow spawnSync's 1 MiB buffer (the child is then killed).
    const result = spawnSync('runuser', ['-u', 'nobody', '--', ...command], {
      encoding: 'utf8',
      cwd: dir,
      timeout: 60_000,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    expect(result.status).toBe(0);
    const inode = statSync(`/run/netns/${name}`).ino;
    const about = result.stderr.split('\n').filter((line) => line.includes(`namespace ${name} (${String(inode)})`));
    expect(about).toEqual([
      `portscope: Could not read tcp, tcp6, udp, udp6, udplite, udplite6, raw, raw6 and unix of network namespace ${name} (${String(inode)}) (EPERM): entering it needs root`,
    ]);
  }, 70_000);
});
