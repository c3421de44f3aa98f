import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSockets } from '../../src/index.js';
import { AF_INET, IPPROTO, inetDiagRequest } from '../../src/inventory/linux/diag-request.js';
import { nativeAddon } from '../../src/inventory/linux/native.js';
import { parseInetDiag } from '../../src/inventory/linux/parse-diag.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { isRoot } from '../helpers/system.js';

// A raw ICMP socket (root only): kernels built without CONFIG_INET_RAW_DIAG have no raw
// sock_diag handler, and answer a raw dump with NLMSG_DONE carrying -ENOENT.
const RAW = `
import json, os, select, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
print(json.dumps({"pid": os.getpid(), "inode": os.fstat(s.fileno()).st_ino}), flush=True)
select.select([sys.stdin], [], [], 60)
`;

const addon = nativeAddon();

describe.skipIf(!isRoot || addon === undefined)('a protocol whose sock_diag handler the kernel lacks', () => {
  let fixture: Fixture<{ pid: number; inode: number }>;
  beforeAll(async () => {
    fixture = await startFixture('python3', ['-c', RAW]);
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('the addon reports the dump error (an errno name), or the reply holds the socket', () => {
    const [reply] = addon?.sockDiag(null, [inetDiagRequest(AF_INET, IPPROTO.raw, 0xffffffff)]) ?? [];
    if (typeof reply === 'string') {
      expect(reply).toBe('ENOENT');
    } else {
      const { sockets } = parseInetDiag(reply ?? Buffer.alloc(0), { protocol: 'raw', family: 'inet' }, 0);
      expect(sockets.map((s) => s.inode)).toContain(fixture.info.inode);
    }
  });

  it('the native backend lists the raw socket with its owner, as ss does, and says where it came from', async () => {
    const { sockets, namespaces } = await listSockets({ backend: 'native', protocols: ['raw'], netns: 'host' });
    const mine = sockets.find((s) => s.inode === fixture.info.inode);
    expect(mine).toMatchObject({ protocol: 'raw', family: 'inet', local: { address: '0.0.0.0', port: 1 } });
    expect(mine?.owners.map((o) => o.pid)).toEqual([fixture.pid]);
    // ss falls back to /proc/net/raw too (and then prints no inode): compare by owner.
    const ss = execFileSync('ss', ['-H', '-wanp'], { encoding: 'utf8' });
    expect(ss).toMatch(new RegExp(`^UNCONN .* 0\\.0\\.0\\.0:1 .*pid=${String(fixture.pid)},`, 'm'));
    const [reply] = addon?.sockDiag(null, [inetDiagRequest(AF_INET, IPPROTO.raw, 0xffffffff)]) ?? [];
    const expected = typeof reply === 'string' ? 'procfs' : 'sock_diag';
    expect(namespaces[0]?.sources).toEqual([expected]);
  });
});
