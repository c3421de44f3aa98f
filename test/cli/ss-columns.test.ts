import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { msTimerLabel } from '../../src/cli/render/format.js';
import { cli } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { lsCells, startSsSocketsFixture, type SsSocketsInfo } from '../helpers/ss-fixture.js';
import { ssLines, type SsLine } from '../helpers/ss.js';

const hasSs = hasTool('ss', 'tests that compare with ss');

describe('timers to ss precision (print_ms_timer)', () => {
  it.each([
    [113_000, '1min53sec'],
    [600_000, '10min'],
    [659_000, '10min'],
    [59_000, '59sec'],
    [9_500, '9.500sec'],
    [1_020, '1.020sec'],
    [200, '200ms'],
    [0, ''],
    [-5, ''],
  ])('%i ms is `%s`', (ms, text) => {
    expect(msTimerLabel(ms)).toBe(text);
  });
});

describe('ls -Q', () => {
  it('leaves out the Recv-Q and Send-Q columns, as ss -Q', async () => {
    const { stdout } = await cli(['ls', '-tlnQ', '--netns', 'host']);
    expect(stdout.split('\n')[0]).toMatch(/^Netid\s+State\s+Local Address:Port\s+Peer Address:Port$/);
  });
});

describe.skipIf(!hasSs)('ls columns against ss on the same sockets', () => {
  let fixture: Fixture<SsSocketsInfo>;
  let theirs: Map<number, SsLine>;
  let ours: Map<number, string[]>;
  const fields = ['netid', 'state', 'local', 'peer', 'users', 'timer', 'inode'];

  beforeAll(async () => {
    fixture = await startSsSocketsFixture();
    const args = ['-t', '-u', '-x', '-a', '-n', '-p', '-o'];
    ours = await lsCells(args, fields);
    theirs = new Map(ssLines(args).map((line) => [line.inode, line]));
  });
  afterAll(() => fixture.stop());

  const named = (name: string) => {
    const inode = fixture.info[name] ?? 0;
    const mine = ours.get(inode);
    const ss = theirs.get(inode);
    if (mine === undefined || ss === undefined) throw new Error(`${name} (inode ${String(inode)}) not listed`);
    const [netid, state, local, peer, users, timer] = mine;
    return { mine: { netid, state, local, peer, users, timer }, ss };
  };

  it.each([
    'dual_listen',
    'v6only_listen',
    'tcp_listen',
    'tcp_client',
    'tcp_server',
    'udp',
    'u_str_a',
    'u_str_b',
    'u_dgr_a',
    'u_seq_b',
    'unix_listen',
  ])('%s: netid, state, local, peer and users as ss prints them', (name) => {
    const { mine, ss } = named(name);
    expect(mine).toEqual({
      ...mine,
      netid: ss.netid,
      state: ss.state,
      local: ss.local,
      peer: ss.peer,
      users: ss.users,
    });
  });

  it('prints a dual-stack listener as *:PORT and a v6-only one as [::]:PORT', () => {
    expect(named('dual_listen').mine.local).toMatch(/^\*:\d+$/);
    expect(named('dual_listen').mine.peer).toBe('*:*');
    expect(named('v6only_listen').mine.local).toMatch(/^\[::\]:\d+$/);
  });

  it('lists every fd of a socket in users:(...)', () => {
    const { mine } = named('tcp_client');
    const [a, b] = fixture.info.client_fds;
    const pid = String(fixture.pid);
    expect(mine.users).toBe(`users:(("python3",pid=${pid},fd=${String(b)}),("python3",pid=${pid},fd=${String(a)}))`);
  });

  it('prints the keepalive timer to the second, as ss does', () => {
    const { mine, ss } = named('tcp_client');
    // The fixture's TCP_KEEPIDLE is 113 s; ss lists after us. Seconds left, as `1min53sec` or `47sec` (a loaded
    // machine can take more than a few seconds between the fixture's start and the listings).
    const left = (timer: string | undefined) => {
      const match = /^timer:\(keepalive,(?:(\d+)min)?(\d+)sec,0\)$/.exec(timer ?? '');
      return match === null ? -1 : Number(match[1] ?? 0) * 60 + Number(match[2]);
    };
    const [ours, theirs] = [left(mine.timer), left(ss.timer)];
    expect({ ours: ours > 0 && ours <= 113, theirs: theirs > 0 && theirs <= 113 }).toEqual({
      ours: true,
      theirs: true,
    });
    expect(theirs).toBeLessThanOrEqual(ours + 1); // the same second, rounded either way
    expect(ours - theirs).toBeLessThan(60);
    expect(mine.timer).toMatch(ours >= 60 ? /,1min\d{1,2}sec,/ : /,\d{1,2}sec,/);
  });
});

/** A listener held by a process with a second, named thread (prctl PR_SET_NAME through /proc/self/task). */
const THREADED = `
import json, os, select, socket, sys, threading
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
ready = threading.Event()
def worker():
    with open("/proc/self/task/%d/comm" % threading.get_native_id(), "w") as f: f.write("ps-worker")
    ready.set(); select.select([sys.stdin], [], [], 60)
threading.Thread(target=worker, daemon=True).start(); ready.wait(10)
print(json.dumps({"inode": os.fstat(s.fileno()).st_ino}), flush=True)
select.select([sys.stdin], [], [], 60)
`;
import { hasTool } from '../helpers/system.js';

describe.skipIf(!hasSs)('ls -T', () => {
  let fixture: Fixture<{ inode: number }>;
  beforeAll(async () => {
    fixture = await startFixture<{ inode: number }>('python3', ['-c', THREADED]);
  });
  afterAll(() => fixture.stop());

  it('lists one users entry per thread, each under its own name, as ss -T', async () => {
    const ours = (await lsCells(['-t', '-l', '-T'], ['users', 'inode'])).get(fixture.info.inode)?.[0];
    const theirs = ssLines(['-t', '-u', '-l', '-T']).find((l) => l.inode === fixture.info.inode)?.users;
    expect(ours).toMatch(/^users:\(\("ps-worker",pid=\d+,tid=\d+,fd=3\),\("python3",pid=\d+,tid=\d+,fd=3\)\)$/);
    expect(ours).toBe(theirs);
  });
});

describe('ls -i with nothing to show', () => {
  it('prints nothing at all with -H (no empty line)', async () => {
    const { code, stdout } = await cli(['ls', '-t', '-i', '-H', '--netns', 'host', 'sport = :1 and dport = :1']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
  });
});
