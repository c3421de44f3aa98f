import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSockets } from '../../src/index.js';
import { nativeAddon } from '../../src/inventory/linux/native.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

// An MPTCP (IPPROTO_MPTCP = 262) listener on loopback with one connection to it.
const MPTCP = `
import json, os, select, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262); s.bind(("127.0.0.1", 0)); s.listen(4)
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262); c.connect(s.getsockname())
a, _ = s.accept()
ino = lambda x: os.fstat(x.fileno()).st_ino
print(json.dumps({"port": s.getsockname()[1], "inodes": [ino(s), ino(c), ino(a)]}), flush=True)
select.select([sys.stdin], [], [], 60)
`;

function mptcpEnabled(): boolean {
  try {
    return readFileSync('/proc/sys/net/mptcp/enabled', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

describe.skipIf(!mptcpEnabled() || nativeAddon() === undefined)('MPTCP sockets (ss -M)', () => {
  let fixture: Fixture<{ port: number; inodes: number[] }>;
  beforeAll(async () => {
    fixture = await startFixture('python3', ['-c', MPTCP]);
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('are listed when asked for, with states and owners, as `ss -M` lists them', async () => {
    const { sockets } = await listSockets({ protocols: ['mptcp'], netns: 'host', backend: 'native' });
    const mine = sockets.filter((s) => fixture.info.inodes.includes(s.inode ?? 0));
    expect(mine.map((s) => s.state).sort()).toEqual(['ESTABLISHED', 'ESTABLISHED', 'LISTEN']);
    expect(mine.every((s) => s.protocol === 'mptcp' && s.owners[0]?.pid === fixture.pid)).toBe(true);
    expect(mine.find((s) => s.state === 'LISTEN')?.local).toEqual({ address: '127.0.0.1', port: fixture.info.port });
    const ss = execFileSync('ss', ['-H', '-Mnae'], { encoding: 'utf8' });
    const ssInodes = [...ss.matchAll(/ino:(\d+)/g)].map((m) => Number(m[1]));
    expect(ssInodes).toEqual(expect.arrayContaining(fixture.info.inodes));
  });

  it('are not listed by default (as in ss), and `-M` lists them in the CLI', async () => {
    const { sockets } = await listSockets({ netns: 'host', owners: false, backend: 'native' });
    expect(sockets.some((s) => s.protocol === 'mptcp')).toBe(false);
    const { cli } = await import('../helpers/cli.js');
    const { stdout } = await cli(['ls', '-Mln', `sport = :${String(fixture.info.port)}`]);
    expect(stdout).toMatch(new RegExp(`^mptcp +LISTEN .*127\\.0\\.0\\.1:${String(fixture.info.port)} `, 'm'));
  });
});
