import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInetTable } from '../../../src/inventory/linux/parse-inet.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/proc/${name}`, import.meta.url));
const parse = (name: string, table: Parameters<typeof parseInetTable>[2], listenersOnly = false) => {
  const buf = fixture(name);
  return parseInetTable(buf, buf.length, table, { netns: 4026531840, listenersOnly });
};

describe('parseInetTable on captured /proc/net/tcp', () => {
  const { sockets, malformedRows } = parse('tcp', { protocol: 'tcp', family: 'inet' });

  it('reads every row', () => {
    expect(malformedRows).toBe(0);
    expect(sockets).toHaveLength(6);
  });

  it.each([
    [0, 'LISTEN', '127.0.0.1', 0x8e93, '0.0.0.0', 0, 309779],
    [2, 'ESTABLISHED', '127.0.0.1', 0xd156, '127.0.0.1', 0x8e93, 309782],
    [3, 'TIME_WAIT', '127.0.0.1', 0xd162, '127.0.0.1', 0x8e93, 0],
  ] as const)('row %i: %s %s:%i -> %s:%i inode %i', (row, state, local, localPort, peer, peerPort, inode) => {
    expect(sockets[row]).toMatchObject({
      protocol: 'tcp',
      family: 'inet',
      state,
      local: { address: local, port: localPort },
      peer: { address: peer, port: peerPort },
      inode,
      uid: 0,
      netns: 4026531840,
      owners: [],
      ownerStatus: 'none',
    });
  });

  it('turns the TIME_WAIT timer into milliseconds (USER_HZ 100)', () => {
    expect(sockets[3]?.timer).toEqual({ kind: 'timewait', expiresMs: 0x16dd * 10, retransmits: 0 });
    expect(sockets[0]?.timer).toBeUndefined();
  });

  it('stops at the first non-LISTEN row when asked for listeners only', () => {
    const listeners = parse('tcp', { protocol: 'tcp', family: 'inet' }, true);
    expect(listeners.stoppedEarly).toBe(true);
    expect(listeners.sockets.map((s) => s.state)).toEqual(['LISTEN', 'LISTEN']);
  });
});

describe('parseInetTable on IPv6', () => {
  it('decodes ::1, :: and IPv4-mapped addresses', () => {
    const { sockets } = parse('tcp6', { protocol: 'tcp', family: 'inet6' });
    expect(sockets.map((s) => `${s.local.address} ${s.peer.address}`)).toEqual([
      '::1 ::',
      ':: ::',
      '::ffff:127.0.0.1 ::ffff:127.0.0.1',
    ]);
  });

  it('handles full addresses, huge inodes, queues, timers, and skips malformed rows', () => {
    const { sockets, malformedRows } = parse('tcp6-edge', { protocol: 'tcp', family: 'inet6' });
    expect(malformedRows).toBe(1);
    expect(sockets[0]).toMatchObject({
      local: { address: '2001:db8::1', port: 443 },
      inode: 4294967295,
      uid: 1000,
      recvQ: 3,
    });
    expect(sockets[1]).toMatchObject({
      state: 'ESTABLISHED',
      peer: { address: '3ffe:d80::ab', port: 50000 },
      sendQ: 1234,
      recvQ: 16,
      inode: Number.MAX_SAFE_INTEGER,
      timer: { kind: 'on', expiresMs: 420, retransmits: 3 },
    });
    expect(sockets[2]).toMatchObject({
      state: 'FIN_WAIT1',
      uid: 33,
      timer: { kind: 'keepalive', expiresMs: 0x1b774 * 10 },
    });
  });
});

describe('parseInetTable on UDP', () => {
  it('calls an unconnected socket UNCONN and a connected one ESTABLISHED', () => {
    const { sockets } = parse('udp', { protocol: 'udp', family: 'inet' });
    expect(sockets.map((s) => s.state).sort()).toEqual(['ESTABLISHED', 'UNCONN']);
    expect(sockets.every((s) => s.timer === undefined)).toBe(true);
  });
});
