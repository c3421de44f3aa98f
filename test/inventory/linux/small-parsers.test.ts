import { describe, expect, it } from 'vitest';
import { formatIpv6 } from '../../../src/inventory/linux/address.js';
import { parseCgroup } from '../../../src/inventory/linux/cgroup.js';
import { parsePasswd } from '../../../src/inventory/linux/passwd.js';
import {
  parseBootTime,
  parseStartTicks,
  parseStat,
  parseStatusFdSize,
  parseStatusPpid,
  parseStatusUid,
} from '../../../src/inventory/linux/proc-stat.js';
import { parseSockstat } from '../../../src/inventory/linux/parse-sockstat.js';

const bytes = (hex: string) => hex.match(/../g)?.map((h) => parseInt(h, 16)) ?? [];
const ID = 'a'.repeat(12) + '0123456789abcdef'.repeat(3) + '0123';

describe('formatIpv6 (RFC 5952)', () => {
  it.each([
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['fe800000000000000000000000000000', 'fe80::'],
    ['00000000000000000000ffff7f000001', '::ffff:127.0.0.1'],
    ['20010db8000100020003000400050006', '2001:db8:1:2:3:4:5:6'],
  ])('%s -> %s', (hex, text) => {
    expect(formatIpv6(bytes(hex))).toBe(text);
  });
});

describe('parseCgroup', () => {
  it.each([
    ['0::/system.slice/nginx.service', { systemdUnit: 'nginx.service' }],
    ['0::/user.slice/user-1000.slice/session-3.scope', { systemdUnit: 'session-3.scope' }],
    [
      `0::/system.slice/docker-${ID}.scope`,
      { systemdUnit: `docker-${ID}.scope`, container: { runtime: 'docker', id: ID } },
    ],
    [`12:pids:/docker/${ID}\n0::/`, { container: { runtime: 'docker', id: ID } }],
    [
      `0::/machine.slice/libpod-${ID}.scope/container`,
      { systemdUnit: `libpod-${ID}.scope`, container: { runtime: 'podman', id: ID } },
    ],
    [
      `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-${ID}.scope`,
      { systemdUnit: `cri-containerd-${ID}.scope`, container: { runtime: 'kubernetes', id: ID } },
    ],
    [
      '0::/lxc.payload.web1/init.scope',
      { systemdUnit: 'init.scope', container: { runtime: 'lxc', id: 'web1', name: 'web1' } },
    ],
    ['0::/', {}],
    ['', {}],
  ])('%s', (text, facts) => {
    expect(parseCgroup(text)).toEqual(facts);
  });
});

describe('small procfs parsers', () => {
  it('parsePasswd keeps the first name per uid and skips junk', () => {
    const users = parsePasswd(
      'root:x:0:0::/root:/bin/sh\n# c\n+nis\nbad\ntoor:x:0:0::/:/bin/sh\nwww:x:33:33::/:/bin/false\n',
    );
    expect([...users]).toEqual([
      [0, 'root'],
      [33, 'www'],
    ]);
  });

  it('parseStartTicks counts fields after the last ) so commands with spaces and parens work', () => {
    const stat = '42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 12345 1000 10';
    expect(parseStartTicks(stat)).toBe(12345);
    expect(parseStartTicks('garbage')).toBeUndefined();
    expect(parseStat(stat)).toEqual({ state: 'S', ppid: 1, pgrp: 42, startTicks: 12345 });
    expect(parseStat('42 (x) Z')).toBeUndefined();
  });

  it('parseStatusUid and parseBootTime read their lines', () => {
    expect(parseStatusUid('Name:\tx\nUid:\t1000\t1000\t1000\t1000\n')).toBe(1000);
    expect(parseBootTime('cpu 1 2\nbtime 1700000000\nprocesses 5\n')).toBe(1700000000);
    expect(parseStatusUid('Name:\tx\n')).toBeUndefined();
    expect(parseStatusFdSize('Name:\tx\nFDSize:\t256\nGroups:\n')).toBe(256);
    expect(parseStatusFdSize('Name:\tx\n')).toBeUndefined();
    expect(parseStatusPpid('Name:\tx\nTgid:\t9\nPid:\t9\nPPid:\t4242\nTracerPid:\t0\n')).toBe(4242);
    expect(parseStatusPpid('Name:\tx\nPPid:\t0\n')).toBe(0);
    expect(parseStatusPpid('Name:\tx\n')).toBeUndefined();
  });

  it('parseSockstat nests counters by protocol', () => {
    expect(parseSockstat('sockets: used 290\nTCP: inuse 5 orphan 0 tw 2 alloc 7 mem 1\n')).toEqual({
      sockets: { used: 290 },
      TCP: { inuse: 5, orphan: 0, tw: 2, alloc: 7, mem: 1 },
    });
  });
});
