import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSockets, type Socket } from '../../src/index.js';
import { stateLabel } from '../../src/cli/render/format.js';
import { startSocketsFixture, type Fixture, type SocketsInfo } from '../helpers/fixture.js';
import { ssRows, type SsRow } from '../helpers/ss.js';
import { hasTool } from '../helpers/system.js';

const hasSs = hasTool('ss', 'tests that compare with ss');

const NETID: Record<string, string> = { tcp: 'tcp', udp: 'udp', u_str: 'unix', u_dgr: 'unix', u_seq: 'unix' };

function endpoint(s: Socket, side: 'local' | 'peer'): string {
  const e = s[side];
  if (s.family === 'unix') return side === 'peer' ? '*' : e.address === '' ? '*' : e.address;
  const host = s.family === 'inet6' ? `[${e.address}]` : e.address;
  return `${host}:${e.port === 0 ? '*' : String(e.port)}`;
}

describe.skipIf(!hasSs)('differential test against ss -H -tuanxpe', () => {
  let fixture: Fixture<SocketsInfo>;
  let ours: Map<number, Socket>;
  let theirs: SsRow[];

  beforeAll(async () => {
    fixture = await startSocketsFixture();
    const snapshot = await listSockets({ protocols: ['tcp', 'udp', 'unix'], netns: 'host' });
    theirs = ssRows().filter((r) => r.pids.includes(fixture.pid));
    ours = new Map(snapshot.sockets.map((s) => [s.inode ?? 0, s]));
  });
  afterAll(() => fixture.stop());

  it('sees the sockets of the fixture', () => {
    expect(theirs.length).toBeGreaterThanOrEqual(15);
  });

  it('agrees on every socket: protocol, state, endpoints, inode and pids', () => {
    const differences: string[] = [];
    for (const row of theirs) {
      const s = ours.get(row.inode);
      if (s === undefined) {
        differences.push(`missing inode ${String(row.inode)} (${row.netid} ${row.local})`);
        continue;
      }
      const mine = {
        netid: NETID[row.netid] === s.protocol ? row.netid : s.protocol,
        state: stateLabel(s.state),
        local: endpoint(s, 'local'),
        peer: s.family === 'unix' ? row.peer : endpoint(s, 'peer'),
        inode: s.inode,
        pids: s.owners.map((o) => o.pid).sort((a, b) => a - b),
      };
      // ss shows a dual-stack [::] socket (IPV6_V6ONLY off, known from netlink) as `*`; procfs has no such flag.
      const star = (text: string) => (s.family === 'inet6' ? text.replace(/^\*:/, '[::]:') : text);
      const expected = {
        ...row,
        local: star(row.local),
        peer: star(row.peer),
        pids: [...new Set(row.pids)].sort((a, b) => a - b),
      };
      if (JSON.stringify(mine) !== JSON.stringify(expected))
        differences.push(`${JSON.stringify(mine)} != ${JSON.stringify(expected)}`);
    }
    expect(differences).toEqual([]);
  });
});
