import { execFileSync } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSockets } from '../../src/index.js';
import { nativeAddon } from '../../src/inventory/linux/native.js';
import { readPinnedNetns } from '../../src/inventory/linux/netns.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { canMakeNetns } from '../helpers/system.js';

const holder = new URL('../helpers/netns-holder.py', import.meta.url).pathname;

interface Held {
  pid: number;
  port: number;
  inode: number;
  rawInode: number;
}

describe('pinned network namespaces, from /proc/self/mountinfo and /run/netns', () => {
  it('maps each nsfs mount of a network namespace to its path (octal escapes undone)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portscope-mountinfo-'));
    const file = join(dir, 'mountinfo');
    writeFileSync(
      file,
      [
        '25 1 0:21 / /proc rw,nosuid shared:12 - proc proc rw',
        '42 41 0:4 net:[4026532176] /run/netns/blue rw shared:2 - nsfs nsfs rw',
        '43 41 0:4 net:[4026532176] /var/other rw shared:2 - nsfs nsfs rw',
        '44 41 0:4 net:[4026532999] /run/docker/netns/with\\040space rw - nsfs nsfs rw',
        '45 41 0:4 mnt:[4026532998] /run/mnt-ns rw - nsfs nsfs rw',
      ].join('\n'),
    );
    try {
      const pinned = readPinnedNetns(new Map([[4026532176, 'blue']]), file);
      expect([...pinned]).toEqual([
        [4026532176, '/run/netns/blue'],
        [4026532999, '/run/docker/netns/with space'],
      ]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe.skipIf(!canMakeNetns || nativeAddon() === undefined)('a named namespace no process lives in', () => {
  const name = `portscope-pinned-${String(process.pid)}`;
  let fixture: Fixture<Held>;
  let inode: number;

  beforeAll(async () => {
    execFileSync('ip', ['netns', 'add', name]);
    execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    inode = statSync(`/run/netns/${name}`).ino;
    fixture = await startFixture<Held>('python3', [holder, `/run/netns/${name}`]);
  });
  afterAll(async () => {
    await fixture.stop();
    execFileSync('ip', ['netns', 'del', name]);
  });

  it('has sockets but no process (the fixture went back to its own namespace)', () => {
    expect(readlinkSync(`/proc/${String(fixture.pid)}/ns/net`)).not.toBe(`net:[${String(inode)}]`);
  });

  it('is listed by name with its sockets and their owner, as `ss -N NAME -p` lists them', async () => {
    const { sockets, namespaces } = await listSockets({ netns: name, protocols: ['tcp', 'raw'], backend: 'native' });
    expect(namespaces).toMatchObject([{ netns: inode, isHost: false, pids: 0, name }]);
    expect(namespaces[0]?.sources[0]).toBe('sock_diag');
    const listener = sockets.find((s) => s.inode === fixture.info.inode);
    expect(listener).toMatchObject({
      netns: inode,
      state: 'LISTEN',
      local: { address: '127.0.0.1', port: fixture.info.port },
    });
    expect(listener?.owners.map((o) => o.pid)).toEqual([fixture.pid]);
    // raw has no diag handler on some kernels: then it comes from /proc/net/raw read inside the namespace.
    const raw = sockets.find((s) => s.inode === fixture.info.rawInode);
    expect(raw).toMatchObject({ netns: inode, protocol: 'raw', local: { port: 1 } });
    const ss = execFileSync('ss', ['-N', name, '-H', '-tlnp'], { encoding: 'utf8' });
    expect(ss).toMatch(new RegExp(`127\\.0\\.0\\.1:${String(fixture.info.port)} .*pid=${String(fixture.pid)},`));
  });

  it('is in the default listing (every namespace) and can be named by inode', async () => {
    const all = await listSockets({ protocols: ['tcp'], owners: false, backend: 'native' });
    expect(all.sockets.some((s) => s.inode === fixture.info.inode && s.netns === inode)).toBe(true);
    const byInode = await listSockets({ netns: inode, protocols: ['tcp'], owners: false, backend: 'native' });
    expect(byInode.sockets.map((s) => s.inode)).toContain(fixture.info.inode);
  });

  it('with backend procfs (no setns), `netns NAME` says why it cannot be read', async () => {
    await expect(listSockets({ netns: name, backend: 'procfs' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/no process lives in it, and entering it takes the native addon/) as string,
    });
  });
});
