import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSockets } from '../../src/index.js';
import { parsePacketTable } from '../../src/inventory/linux/parse-packet.js';
import { cli } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { isRoot } from '../helpers/system.js';

describe('parsePacketTable', () => {
  const header = 'sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n';
  const names = (ifindex: number) => (ifindex === 1 ? 'lo' : String(ifindex));
  it.each([
    ['000000005b990404 3      3    0003   0     1 0      0      5268873', 'raw', '', 3, 0, 5268873],
    ['000000004a53e2ba 3      2    0800   1     1 512    1000   5268874', 'dgram', 'lo', 0x0800, 1000, 5268874],
    ['000000004a53e2ba 3      3    88cc   7     1 0      0      12', 'raw', '7', 0x88cc, 0, 12],
  ])('%s', (row, type, address, port, uid, inode) => {
    const { sockets, malformedRows } = parsePacketTable(`${header}${row}\n`, 9, names);
    expect(malformedRows).toBe(0);
    expect(sockets).toEqual([
      expect.objectContaining({ protocol: 'packet', family: 'packet', state: 'UNCONN', local: { address, port } }),
    ]);
    expect(sockets[0]).toMatchObject({ uid, inode, netns: 9, packet: { type }, peer: { address: '', port: 0 } });
  });
  it('counts a short or unknown-type row as malformed', () => {
    const rows = '0000 3 3 0003\n0000 3 5 0003 0 1 0 0 7\n';
    expect(parsePacketTable(`${header}${rows}`, 1, names)).toEqual({ sockets: [], malformedRows: 2 });
  });
});

// Two AF_PACKET sockets (root only): SOCK_RAW for every protocol, SOCK_DGRAM for IPv4 on lo.
const PACKET = `
import json, os, select, socket, sys
r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
d = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800)); d.bind(("lo", 0x0800))
ino = lambda x: os.fstat(x.fileno()).st_ino
print(json.dumps({"raw": ino(r), "dgram": ino(d)}), flush=True)
select.select([sys.stdin], [], [], 60)
`;

describe.skipIf(!isRoot)('packet sockets (ss -0)', () => {
  let fixture: Fixture<{ raw: number; dgram: number }>;
  beforeAll(async () => {
    fixture = await startFixture('python3', ['-c', PACKET]);
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it.each(['native', 'procfs'] as const)('are listed when asked for, with owners (%s)', async (backend) => {
    const { sockets } = await listSockets({ protocols: ['packet'], netns: 'host', backend });
    const raw = sockets.find((s) => s.inode === fixture.info.raw);
    const dgram = sockets.find((s) => s.inode === fixture.info.dgram);
    expect(raw).toMatchObject({ packet: { type: 'raw' }, local: { address: '', port: 3 }, uid: 0 });
    expect(dgram).toMatchObject({ packet: { type: 'dgram' }, local: { address: 'lo', port: 0x0800 }, ifindex: 1 });
    expect([raw, dgram].map((s) => s?.owners.map((o) => o.pid))).toEqual([[fixture.pid], [fixture.pid]]);
  });

  it('are not listed by default; `ls -0 -a` prints them as `ss -0 -a` does', async () => {
    const { sockets } = await listSockets({ netns: 'host', owners: false });
    expect(sockets.some((s) => s.protocol === 'packet')).toBe(false);
    const ss = execFileSync('ss', ['-H', '-0', '-a', '-p'], { encoding: 'utf8' });
    expect(ss).toMatch(new RegExp(`^p_dgr +UNCONN .* ip:lo +\\* .*pid=${String(fixture.pid)},`, 'm'));
    const { stdout } = await cli(['ls', '-0', '-a', '-p']);
    const users = `users:\\(\\("python3",pid=${String(fixture.pid)},`;
    expect(stdout).toMatch(new RegExp(`^p_dgr +UNCONN .* ip:lo +\\* +${users}`, 'm'));
    expect(stdout).toMatch(new RegExp(`^p_raw +UNCONN .* \\*:\\* +\\* +${users}`, 'm'));
    const numeric = await cli(['ls', '-0', '-a', '-n']);
    expect(numeric.stdout).toMatch(/^p_dgr +UNCONN .* \[2048\]:lo +\*/m);
  });
});
