import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSockets } from '../../src/index.js';
import { readTable } from '../../src/inventory/linux/tables.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { canMakeNetnsFor } from '../helpers/system.js';

const LISTENER = `
import socket, sys, select
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
select.select([sys.stdin], [], [], 60)
`;

describe.skipIf(!canMakeNetnsFor('network namespace tests'))('sockets in a network namespace made by the test', () => {
  const name = `portscope-test-${String(process.pid)}`;
  let fixture: Fixture<number>;
  let inode: number;

  beforeAll(async () => {
    execFileSync('ip', ['netns', 'add', name]);
    execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    inode = statSync(`/run/netns/${name}`).ino;
    fixture = await startFixture<number>('ip', ['netns', 'exec', name, 'python3', '-c', LISTENER]);
  });
  afterAll(async () => {
    await fixture.stop();
    execFileSync('ip', ['netns', 'del', name]);
  });

  it.each([
    ['native', 'sock_diag'],
    ['procfs', 'procfs'],
  ] as const)(
    'lists the listener with the namespace inode and its owner (default: every namespace; %s)',
    async (backend, source) => {
      const { sockets, namespaces } = await listSockets({
        protocols: ['tcp'],
        filter: `sport = :${String(fixture.info)}`,
        backend,
      });
      const mine = sockets.filter((s) => s.netns === inode);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ state: 'LISTEN', local: { address: '127.0.0.1', port: fixture.info } });
      expect(mine[0]?.owners.map((o) => o.pid)).toEqual([fixture.pid]);
      // The native reader enters the namespace (setns) to open its netlink socket there.
      expect(namespaces.find((n) => n.netns === inode)).toMatchObject({
        isHost: false,
        name,
        pids: 1,
        sources: [source],
      });
    },
  );

  it('narrows to the namespace by name and by inode, and leaves it out with netns host', async () => {
    const byName = await listSockets({ protocols: ['tcp'], netns: name, owners: false });
    const byInode = await listSockets({ protocols: ['tcp'], netns: inode, owners: false });
    const host = await listSockets({ protocols: ['tcp'], netns: 'host', owners: false });
    expect(byName.sockets.map((s) => s.inode)).toEqual(byInode.sockets.map((s) => s.inode));
    expect(byName.sockets.every((s) => s.netns === inode)).toBe(true);
    expect(byName.sockets.some((s) => s.local.port === fixture.info)).toBe(true);
    expect(host.sockets.some((s) => s.netns === inode)).toBe(false);
  });

  it('matches `netns = NAME` in the filter language', async () => {
    const { sockets } = await listSockets({ protocols: ['tcp'], filter: `netns = ${name}`, owners: false });
    expect(sockets.length).toBeGreaterThan(0);
    expect(sockets.every((s) => s.netns === inode)).toBe(true);
  });
});

describe('reading a table the kernel does not have', () => {
  const group = (pids: number[]) => ({ netns: 1, isHost: false, pids, tableDir: '' });

  it('is absent (undefined) in a namespace read through /proc/PID/net, not an error', () => {
    expect(readTable(group([process.pid]), 'no-such-table')).toBeUndefined();
    expect(readTable(group([process.pid]), 'tcp')?.length).toBeGreaterThan(0);
  });

  it('moves on from a member that exited, and throws when none is left', () => {
    expect(readTable(group([999_999_999, process.pid]), 'tcp')?.length).toBeGreaterThan(0);
    expect(() => readTable(group([999_999_999]), 'tcp')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
