import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSockets } from '../../src/index.js';
import { parseNetlinkTable } from '../../src/inventory/linux/parse-netlink.js';
import { cli } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

describe('parseNetlinkTable', () => {
  const header = 'sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n';
  it.each([
    ['00000000c82c570d 0   0          00000000 0        0        0     2        0        4', 'rtnl', 0, 0, 4],
    [
      '000000001f6e0b4a 4   2996       00000000 4352     0        0     2        0        81234',
      'tcpdiag',
      2996,
      4352,
      81234,
    ],
    ['0000000000000000 16  123        00000001 0        768      0     2        0        99', 'genl', 123, 0, 99],
    ['0000000000000000 31  7          00000000 0        0        0     2        0        5', '31', 7, 0, 5],
  ])('%s', (row, address, port, recvQ, inode) => {
    const { sockets, malformedRows } = parseNetlinkTable(`${header}${row}\n`, 42);
    expect(malformedRows).toBe(0);
    expect(sockets).toEqual([
      expect.objectContaining({ protocol: 'netlink', family: 'netlink', state: 'UNCONN', local: { address, port } }),
    ]);
    expect(sockets[0]).toMatchObject({ recvQ, inode, netns: 42, peer: { address: '', port: 0 } });
  });
  it('counts a short row as malformed', () => {
    expect(parseNetlinkTable(`${header}0000 0 1\n`, 1)).toEqual({ sockets: [], malformedRows: 1 });
  });
});

// A NETLINK_ROUTE socket bound with port id 0: the kernel gives it the process's pid.
const NETLINK = `
import json, os, select, socket, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); s.bind((0, 0))
print(json.dumps({"portId": s.getsockname()[0], "inode": os.fstat(s.fileno()).st_ino}), flush=True)
select.select([sys.stdin], [], [], 60)
`;

describe('netlink sockets (ss -A netlink)', () => {
  let fixture: Fixture<{ portId: number; inode: number }>;
  beforeAll(async () => {
    fixture = await startFixture('python3', ['-c', NETLINK]);
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it.each(['native', 'procfs'] as const)('are listed when asked for, with owner (%s)', async (backend) => {
    const { sockets } = await listSockets({ protocols: ['netlink'], netns: 'host', backend });
    const mine = sockets.find((s) => s.inode === fixture.info.inode);
    expect(mine).toMatchObject({ family: 'netlink', local: { address: 'rtnl', port: fixture.info.portId } });
    expect(mine?.owners.map((o) => o.pid)).toEqual([fixture.pid]);
    const ss = execFileSync('ss', ['-H', '-A', 'netlink', '-an'], { encoding: 'utf8' });
    expect(ss).toMatch(new RegExp(`^UNCONN +\\d+ +\\d+ +0:${String(fixture.info.portId)} +\\*`, 'm'));
  });

  it('are not listed by default; `ls --netlink -a` prints them as ss does', async () => {
    const { sockets } = await listSockets({ netns: 'host', owners: false });
    expect(sockets.some((s) => s.protocol === 'netlink')).toBe(false);
    const { stdout } = await cli(['ls', '--netlink', '-a']);
    expect(stdout).toMatch(new RegExp(`^nl +UNCONN .* rtnl:${String(fixture.info.portId)} +\\*`, 'm'));
    expect(stdout).toMatch(/^nl +UNCONN .* rtnl:kernel +\*/m);
  });
});
