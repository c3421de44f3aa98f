import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseUnixTable } from '../../../src/inventory/linux/parse-unix.js';

const parse = (name: string) => {
  const buf = readFileSync(new URL(`../../fixtures/proc/${name}`, import.meta.url));
  return parseUnixTable(buf, buf.length, 7);
};

describe('parseUnixTable', () => {
  it('reads captured rows: paths with spaces, unnamed, abstract, listening and datagram', () => {
    const { sockets, malformedRows } = parse('unix');
    expect(malformedRows).toBe(0);
    const shown = sockets.map((s) => [
      s.state,
      s.unix?.type,
      s.unix?.abstract,
      s.local.address.replace(/vninnkb4/, 'X'),
    ]);
    expect(shown).toEqual([
      ['LISTEN', 'stream', false, '/tmp/portscope test X/stream with space.sock'],
      ['UNCONN', 'dgram', false, '/tmp/portscope test X/dgram.sock'],
      ['ESTABLISHED', 'stream', false, ''],
      ['ESTABLISHED', 'stream', false, '/tmp/portscope test X/stream with space.sock'],
      ['LISTEN', 'stream', true, '@portscope-test-4361'],
    ]);
    expect(sockets[0]).toMatchObject({ protocol: 'unix', family: 'unix', inode: 309791, netns: 7, uid: -1 });
    expect(sockets[0]?.local.port).toBe(0);
  });

  it('handles seqpacket, huge inodes, connecting sockets, and skips unknown types', () => {
    const { sockets, malformedRows } = parse('unix-edge');
    expect(malformedRows).toBe(1);
    expect(sockets[0]).toMatchObject({
      inode: 4294967296,
      unix: { type: 'seqpacket' },
      local: { address: '/run/with  two spaces/x.sock' },
    });
    expect(sockets[1]).toMatchObject({
      state: 'ESTABLISHED',
      unix: { type: 'dgram', abstract: true },
      local: { address: '@' },
    });
    expect(sockets[2]).toMatchObject({ state: 'SYN_SENT', inode: 13, local: { address: '' } });
  });
});
