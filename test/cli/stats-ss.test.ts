import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarize, snmpCounter } from '../../src/index.js';
import { ssSummaryText } from '../../src/cli/commands/stats.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { canMakeNetns } from '../helpers/system.js';

const SOCKETS = `
import socket, sys, select
t4 = socket.socket(); t4.bind(("127.0.0.1", 0)); t4.listen(1)
t6 = socket.socket(socket.AF_INET6); t6.bind(("::1", 0)); t6.listen(1)
c = socket.create_connection(t4.getsockname()); a, _ = t4.accept()
u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u4.bind(("127.0.0.1", 0))
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.bind(("::1", 0))
r6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
print("1", flush=True)
select.select([sys.stdin], [], [], 60)
`;

describe('the ss -s summary', () => {
  it('follows ss: TCP total = alloc + tw, closed = alloc - (inuse - tw), INET = RAW + UDP + TCP', () => {
    const summary = summarize(
      {
        sockets: { used: 40 },
        TCP: { inuse: 5, orphan: 1, tw: 3, alloc: 9 },
        TCP6: { inuse: 2 },
        UDP: { inuse: 4 },
        UDP6: { inuse: 1 },
        RAW6: { inuse: 1 },
        FRAG: { inuse: 0 },
      },
      6,
    );
    expect(ssSummaryText(summary)).toBe(
      [
        'Total: 40',
        'TCP:   12 (estab 6, closed 5, orphaned 1, timewait 3)',
        '',
        'Transport Total     IP        IPv6',
        'RAW\t  1         0         1        ',
        'UDP\t  5         4         1        ',
        'TCP\t  7         5         2        ',
        'INET\t  13        9         4        ',
        'FRAG\t  0         0         0        ',
        '',
        '',
      ].join('\n'),
    );
  });

  it('reads CurrEstab from /proc/net/snmp text', () => {
    const text = 'Ip: Forwarding\nIp: 1\nTcp: RtoAlgorithm CurrEstab InSegs\nTcp: 1 7 99\n';
    expect(snmpCounter(text, 'Tcp', 'CurrEstab')).toBe(7);
    expect(snmpCounter(text, 'Tcp', 'Nope')).toBeUndefined();
  });
});

const built = existsSync(new URL('../../dist/bundle', import.meta.url));
describe.skipIf(!canMakeNetns || !built)('portscope stats against ss -s in a namespace made by the test', () => {
  const name = `portscope-ssopts-${String(process.pid)}`;
  let fixture: Fixture<number>;
  const inNs = (command: string, ...args: string[]) =>
    execFileSync('ip', ['netns', 'exec', name, command, ...args], { encoding: 'utf8' });

  beforeAll(async () => {
    execFileSync('ip', ['netns', 'add', name]);
    execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    fixture = await startFixture<number>('ip', ['netns', 'exec', name, 'python3', '-c', SOCKETS]);
  });
  afterAll(async () => {
    await fixture.stop();
    execFileSync('ip', ['netns', 'del', name]);
  });

  it('prints the first ten lines exactly as ss -s does', () => {
    const bin = new URL('../../bin/portscope.js', import.meta.url).pathname;
    // TCP alloc and orphan count the whole host, where other sockets come and go: read ss before and
    // after portscope, and accept a match with either (5 tries).
    const tries: string[] = [];
    for (let i = 0; i < 5; i++) {
      const before = inNs('ss', '-s');
      const ours = inNs(process.execPath, bin, 'stats').split('\n').slice(0, 10).join('\n') + '\n';
      const after = inNs('ss', '-s');
      if (ours === before || ours === after) return;
      tries.push(`${ours}!=\n${before}`);
    }
    expect(tries).toEqual([]);
  });

  it('labels its extra counts as extra', () => {
    const bin = new URL('../../bin/portscope.js', import.meta.url).pathname;
    const lines = inNs(process.execPath, bin, 'stats').split('\n');
    expect(lines[10]).toMatch(/^Extra, not in ss -s: /);
    expect(lines[11]).toMatch(/^Proto\s+/);
  });
});
