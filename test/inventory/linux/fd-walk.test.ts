import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { walkFds } from '../../../src/inventory/linux/fd-walk.js';
import { startFdWalk } from '../../../src/inventory/linux/fd-walk-parallel.js';
import { walkUntilFound } from '../../../src/inventory/linux/walk-until-found.js';
import { nativeAddon, type NativeAddon } from '../../../src/inventory/linux/native.js';
import { entry, startSocketsFixture, type Fixture, type SocketsInfo } from '../../helpers/fixture.js';
import { watchFixture } from '../../helpers/watch-fixture.js';

let fixture: Fixture<SocketsInfo>;
beforeAll(async () => {
  fixture = await startSocketsFixture();
});
watchFixture(() => fixture);

const triples = (flat: ArrayLike<number>) => {
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 3) out.push(`${String(flat[i])}/${String(flat[i + 1])}/${String(flat[i + 2])}`);
  return out.sort();
};

describe('the fd walk', () => {
  it('finds each socket fd of a process as [inode, pid, fd]', () => {
    const pids = [fixture.pid, fixture.info.child_pid];
    const { holders, denied, gone } = walkFds(fs, pids, 0, 1, null);
    expect(denied).toEqual([]);
    expect(gone).toEqual([]);
    const fd = entry(fixture.info, 'tcp4_listen').fd;
    const inode = fs.statSync(`/proc/${String(fixture.pid)}/fd/${String(fd)}`).ino;
    expect(triples(holders)).toContain(`${String(inode)}/${String(fixture.pid)}/${String(fd)}`);
    expect(triples(holders)).toContain(`${String(inode)}/${String(fixture.info.child_pid)}/${String(fd)}`);
  });

  it('gives the same answer on worker threads as on this thread', async () => {
    const pids = [fixture.pid, fixture.info.child_pid];
    const inline = walkFds(fs, pids, 0, 1, null);
    const threaded = await startFdWalk(pids, Number.MAX_SAFE_INTEGER, null, null);
    expect(triples(threaded.holders)).toEqual(triples(inline.holders));
    expect(inline.holders.length).toBeGreaterThan(30);
  });

  it.each([
    ['in JavaScript', null],
    ['in C', nativeAddon() ?? 'missing'],
  ] as const)('keeps only wanted inodes, and reports vanished pids as gone (%s)', async (_, addon) => {
    if (addon === 'missing') throw new Error('the native addon is not built: run npm install');
    const fd = entry(fixture.info, 'udp4_bound').fd;
    const inode = fs.statSync(`/proc/${String(fixture.pid)}/fd/${String(fd)}`).ino;
    const result = await startFdWalk([fixture.pid, 999_999_999], Number.MAX_SAFE_INTEGER, new Set([inode]), addon);
    expect(triples(result.holders)).toEqual([`${String(inode)}/${String(fixture.pid)}/${String(fd)}`]);
    expect(result.gone).toEqual([999_999_999]);
  });

  it('gives the same answer in C, on one slice or four, as in JavaScript', async () => {
    const addon = nativeAddon();
    if (addon === undefined) throw new Error('the native addon is not built: run npm install');
    const pids = [fixture.pid, fixture.info.child_pid];
    const inline = walkFds(fs, pids, 0, 1, null);
    const one = await startFdWalk(pids, 0, null, addon);
    const four = await startFdWalk(pids, Number.MAX_SAFE_INTEGER, null, addon);
    expect(triples(one.holders)).toEqual(triples(inline.holders));
    expect(triples(four.holders)).toEqual(triples(inline.holders));
  });
});

// A process with over 1,024 fds (argv[1] sockets): the C walk reads those by number instead of listing them, up
// to twice the open count (from 4,096 on two threads), then lists the rest. Its table has holes (every tenth
// socket closed) and one fd far past the rest.
const LARGE_TABLE = `
import os, resource, socket, sys
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(int(sys.argv[1]))]
for s in socks[::10]: s.close()
far = min(hard, 4 * len(socks)) - 1
os.dup2(socks[1].fileno(), far)
print(far, flush=True)
sys.stdin.read()
`;

describe('the fd walk of a large fd table', () => {
  it.each([1500, 6000])('finds every socket fd of %i in C, on one slice or four, as in JavaScript', async (count) => {
    const addon = nativeAddon();
    if (addon === undefined) throw new Error('the native addon is not built: run npm install');
    const child = spawn('python3', ['-c', LARGE_TABLE, String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const far = await new Promise<number>((resolve, reject) => {
        child.stdout.once('data', (line: Buffer) => {
          resolve(Number(line.toString()));
        });
        child.once('exit', () => {
          reject(new Error('the python3 holder exited before ready'));
        });
      });
      const pids = [child.pid ?? 0];
      const inline = walkFds(fs, pids, 0, 1, null);
      // 90% of the sockets and the far copy (and Node's stdio pipes to it, which are sockets too).
      expect(inline.holders.length / 3).toBeGreaterThanOrEqual(0.9 * count + 1);
      const one = await addon.walkFds(Uint32Array.from(pids), 0, 1);
      expect(triples(one.holders)).toEqual(triples(inline.holders));
      expect(triples(one.holders).some((t) => t.endsWith(`/${String(far)}`))).toBe(true);
      // In fd order, as one thread reads them; and who's stopping walk of some of them finds just those.
      const fds = Array.from({ length: one.holders.length / 3 }, (_, t) => one.holders[3 * t + 2] ?? 0);
      expect(fds).toEqual([...fds].sort((a, b) => a - b));
      const wanted = Uint32Array.from({ length: 50 }, (_, k) => inline.holders[3 * 20 * k] ?? 0);
      const some = await addon.walkFds(Uint32Array.from(pids), 0, 1, wanted);
      expect(new Set(Array.from({ length: some.holders.length / 3 }, (_, t) => some.holders[3 * t]))).toEqual(
        new Set(wanted),
      );
      const four = await startFdWalk(pids, Number.MAX_SAFE_INTEGER, null, addon);
      expect(triples(four.holders)).toEqual(triples(inline.holders));
    } finally {
      child.kill();
    }
  });
});

describe('the fast owner walk of `who`', () => {
  it('climbs only through parents that hold a wanted socket: a parent holding other sockets does not pull its other children into the walk', async () => {
    // The family: this test process (it holds a socket of its own, not the wanted one) is the parent
    // of the fixture (which holds the wanted socket, shared with its child) and of a sleeping sibling.
    // The walk must find the fixture and its child, and never walk the sibling after its first pass.
    const addon = nativeAddon();
    const own = createServer();
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    const sibling = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const fd = entry(fixture.info, 'tcp4_listen').fd;
      const wanted = new Set([fs.statSync(`/proc/${String(fixture.pid)}/fd/${String(fd)}`).ino]);
      const walked: number[][] = [];
      const recording = (real: NativeAddon | null): NativeAddon | null =>
        real === null
          ? null
          : {
              ...real,
              walkFds: (pids, slice, slices, only) => {
                walked.push([...pids]);
                return real.walkFds(pids, slice, slices, only);
              },
            };
      const pids = [process.pid, fixture.pid, fixture.info.child_pid, sibling.pid ?? 0];
      for (const backend of [recording(addon ?? null), null]) {
        walked.length = 0;
        const result = await walkUntilFound(pids, wanted, backend);
        const holders = new Set(triples(result.holders).map((t) => Number(t.split('/')[1])));
        expect(holders).toEqual(new Set([fixture.pid, fixture.info.child_pid]));
        // The first, stopping walk may see anyone; the later ones must not include the sibling.
        for (const list of walked.slice(1)) expect(list).not.toContain(sibling.pid);
      }
    } finally {
      sibling.kill();
      own.close();
    }
  });
});
