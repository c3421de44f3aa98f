import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot, Socket } from '../../src/index.js';
import { formatG } from '../../src/cli/render/ss-details.js';
import { nativeAddon } from '../../src/inventory/linux/native.js';
import { cli } from '../helpers/cli.js';
import type { Fixture } from '../helpers/fixture.js';
import { lsCells, startSsSocketsFixture, type SsSocketsInfo } from '../helpers/ss-fixture.js';
import { ssLines } from '../helpers/ss.js';
import { hasTool } from '../helpers/system.js';

const hasSs = hasTool('ss', 'tests that compare with ss');

describe("C's %g", () => {
  it.each([
    [0.035, 6, '0.035'],
    [201, 6, '201'],
    [2.88671875, 6, '2.88672'],
    [1234567, 6, '1.23457e+06'],
    [0.00001, 6, '1e-05'],
    [31.402664792, 3, '31.4'],
    [999.9, 3, '1e+03'],
  ])('%d with %i digits is %s', (x, digits, text) => {
    expect(formatG(x, digits)).toBe(text);
  });
});

// Items that change between two reads (times since the last packet), or that ss 6.1 does not know yet.
const MOVING = /^(lastsnd|lastrcv|lastack|rcv_wnd|rehash):/;
const steady = (text: string) =>
  text
    .split(' ')
    .filter((item) => item !== '' && !MOVING.test(item))
    .join(' ');

describe.skipIf(!hasSs || nativeAddon() === undefined)('ls -i, -m, --tos, -O against ss', () => {
  let fixture: Fixture<SsSocketsInfo>;
  let out: string;
  let oneline: string;

  beforeAll(async () => {
    fixture = await startSsSocketsFixture();
    out = (await cli(['ls', '-ta', '-i', '-m', '-o', '-n', '-e', '--tos', '--netns', 'host', '-H'])).stdout;
    oneline = (await cli(['ls', '-ta', '-i', '-m', '-n', '-e', '-O', '--netns', 'host', '-H'])).stdout;
  });
  afterAll(() => fixture.stop());

  /** Our line for an inode (-e prints `ino:N`), and the tab-indented line below it. */
  function ours(text: string, inode: number): [string, string] {
    const lines = text.split('\n');
    const at = lines.findIndex((l) => new RegExp(` ino:${String(inode)} `).test(l));
    return [lines[at] ?? '', lines[at + 1] ?? ''];
  }

  it.each(['tcp_client', 'tcp_server', 'tcp_listen'])('%s: the -i -m line below is what ss prints', (name) => {
    const inode = fixture.info[name] ?? 0;
    const ss = ssLines(['-t', '-u', '-a', '-i', '-m', '-o', '-n', '--tos']).find((l) => l.inode === inode);
    const [row, below] = ours(out, inode);
    expect(row).not.toBe('');
    expect(below.startsWith('\t ')).toBe(true);
    expect(steady(below.trim())).toBe(steady(ss?.details ?? 'missing'));
  });

  it.each(['tcp_client', 'tcp_server', 'dual_listen', 'v6only_listen', 'udp'])(
    '%s: -e prints what ss -e prints',
    async (name) => {
      const inode = fixture.info[name] ?? 0;
      const mine = (await lsCells(['-t', '-u', '-a', '-e'], ['extended', 'inode'])).get(inode)?.[0];
      // ss -e also turns on -o: its timer comes first, in portscope's Timer column.
      const theirs = ssLines(['-t', '-u', '-a', '-n'])
        .find((l) => l.inode === inode)
        ?.rest.replace(/^timer:\([^)]*\) /, '');
      expect(mine).toBe(theirs);
    },
  );

  it('prints --inet-sockopt on its own line as ss does', async () => {
    const lines = (await cli(['ls', '-u', '-a', '-n', '-e', '--inet-sockopt', '--netns', 'host', '-H'])).stdout;
    const ss = ssLines(['-t', '-u', '-a', '-n', '--inet-sockopt']);
    for (const name of ['udp_opts', 'udp']) {
      const inode = fixture.info[name] ?? 0;
      const theirs = ss.find((l) => l.inode === inode)?.details ?? 'missing';
      expect(ours(lines, inode)[1]).toBe(`\t${theirs}`);
    }
    expect(ours(lines, fixture.info.udp_opts ?? 0)[1]).toBe('\tinet-sockopt: ( recverr freebind mc_loop mc_all)');
  });

  it('prints --tos as ss does, and -O puts the details on the line', () => {
    const inode = fixture.info.tcp_client ?? 0;
    const ss = ssLines(['-t', '-u', '-a', '-n', '--tos']).find((l) => l.inode === inode);
    expect(ss?.rest).toContain('tos:0x10');
    expect(ours(out, inode)[0]).toContain(/tos:0x10 class_id:0x?[0-9a-f]+/.exec(ss?.rest ?? '')?.[0] ?? 'no tos in ss');
    const [row, below] = ours(oneline, inode);
    expect(row).toMatch(/ skmem:\(r\d+,rb\d+,.*\) .*bytes_sent:1000 /);
    expect(below.startsWith('\t')).toBe(false);
  });
});

describe.skipIf(nativeAddon() === undefined)('ls -i -m --tos --json', () => {
  let fixture: Fixture<SsSocketsInfo>;
  let byInode: Map<number, Socket>;

  beforeAll(async () => {
    fixture = await startSsSocketsFixture();
    const { stdout } = await cli(['ls', '-tux', '-a', '-i', '-m', '--tos', '--netns', 'host', '--json']);
    byInode = new Map((JSON.parse(stdout) as Snapshot).sockets.map((s) => [s.inode ?? 0, s]));
  });
  afterAll(() => fixture.stop());

  it('adds tcpInfo with units in the names, skmem, tos, mark and cgroupId', () => {
    const client = byInode.get(fixture.info.tcp_client ?? 0);
    expect(client?.tcpInfo).toMatchObject({ bytesSent: 1000, bytesAcked: 1001, bytesReceived: 500, totalRetrans: 0 });
    expect(client?.tcpInfo?.rttMs).toBeGreaterThan(0);
    expect(client?.tcpInfo?.mss).toBeGreaterThan(0);
    expect(client?.tcpInfo?.cwnd).toBeGreaterThan(0);
    expect(client?.tcpInfo?.deliveryRateBps).toBeGreaterThan(0);
    expect(client?.skmem?.rcvBuf).toBeGreaterThan(0);
    expect(client?.tos).toBe(0x10);
    expect(client?.mark).toBe(0x2a);
    expect(client?.cgroupId).toBeGreaterThan(0);
    const server = byInode.get(fixture.info.tcp_server ?? 0);
    expect(server?.tcpInfo).toMatchObject({ bytesSent: 500, bytesReceived: 1000 });
  });

  it('gives the interface a socket is bound to (idiag_if) as ifindex', () => {
    expect(byInode.get(fixture.info.udp_on_lo ?? 0)?.ifindex).toBe(1);
    expect(byInode.get(fixture.info.udp ?? 0)?.ifindex).toBeUndefined();
  });

  it('adds skmem to unix sockets', () => {
    expect(byInode.get(fixture.info.u_str_a ?? 0)?.skmem?.sndBuf).toBeGreaterThan(0);
  });
});
