import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProcHidepid } from '../../src/inventory/linux/hidepid.js';
import { processNow } from '../../src/ports/process-check.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { canDropRoot, commandWorks, worldReadableCli } from '../helpers/system.js';

const killable = new URL('../helpers/killable.py', import.meta.url).pathname;
const canHide = canDropRoot && commandWorks('unshare', ['-m', '--propagation', 'private', 'true']);

describe('parseProcHidepid', () => {
  const line = (id: number, options: string) => `${String(id)} 43 0:20 / /proc rw,relatime - proc proc ${options}`;
  it.each([
    [[line(45, 'rw')], undefined],
    [[line(45, 'rw,hidepid=invisible')], { hidepid: 'invisible' }],
    [[line(45, 'rw,hidepid=2,gid=27')], { hidepid: '2', gid: 27 }],
    // A proc mount stacked on top of another is what /proc shows.
    [[line(45, 'rw'), line(64, 'rw,hidepid=invisible')], { hidepid: 'invisible' }],
    [[line(45, 'rw,hidepid=invisible'), line(64, 'rw')], undefined],
    [['45 43 0:20 / /proc/sys rw - proc proc rw,hidepid=2'], undefined],
  ])('%j', (lines, expected) => {
    expect(parseProcHidepid(lines.join('\n'))).toEqual(expected);
  });
});

describe.skipIf(!canHide)('run as nobody with /proc mounted hidepid=2 (a private mount namespace)', () => {
  let dir: string;
  let fixture: Fixture<{ port: number; pid: number }>;
  /** The built CLI as nobody, in a mount namespace of its own whose /proc hides other users' processes. */
  const hidden = (...args: string[]) =>
    spawnSync(
      'unshare',
      [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount -t proc -o hidepid=2 proc /proc && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"',
        'sh',
        process.execPath,
        join(dir, 'bin/portscope.js'),
        ...args,
      ],
      { encoding: 'utf8', cwd: dir, timeout: 20_000 },
    );

  beforeAll(async () => {
    dir = worldReadableCli();
    fixture = await startFixture('python3', [killable, 'term']);
  });
  afterAll(async () => {
    await fixture.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // --netns host: a named namespace another test file makes meanwhile (in /run/netns, which nobody sees but
  // cannot enter) would add its own EPERM warnings.
  it('who shows the socket and warns that its owner is hidden', () => {
    const result = hidden('who', '--netns', 'host', `127.0.0.1:${String(fixture.info.port)}`);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`LISTEN\\s+127\\.0\\.0\\.1:${String(fixture.info.port)}\\s`));
    expect(result.stderr).toBe(
      "portscope: Owners of 1 sockets are unknown: /proc is mounted with hidepid=invisible, which hides the processes of other users from this one (and their network namespaces); run as root (sudo), or as a member of the mount's gid= group, to see them\n",
    );
  });

  it('kill says the holder exists but cannot be seen (not "nothing holds"), exit 1, and signals nothing', () => {
    const result = hidden('kill', '-y', '--netns', 'host', `127.0.0.1:${String(fixture.info.port)}`);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^portscope: Owners of 1 sockets are unknown: \/proc is mounted with hidepid=invisible/);
    expect(lines[1]).toBe(
      "portscope: 1 socket(s) on the port are held by processes this user cannot see (other users', or hidden by /proc's hidepid); run as root to stop them",
    );
    expect(processNow(fixture.pid)?.state).not.toBe('Z');
  });
});
