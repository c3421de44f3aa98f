import { describe, expect, it } from 'vitest';
import { parseSockstat } from '../../../src/inventory/freebsd/parse-sockstat.js';
import { fixtureOutput } from '../../helpers/fixture-text.js';

const RELEASES = ['13', '14', '15'] as const;

/** The data rows of a recorded output: every line but the header and blank ones, split on spaces. */
function fields(name: string): string[][] {
  return fixtureOutput('freebsd', name)
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('USER'))
    .map((l) => l.trim().split(/\s+/));
}

describe('parseSockstat on recorded FreeBSD sockstat -46 -s outputs', () => {
  for (const release of RELEASES) {
    const name = `sockstat-46sw-freebsd${release}-mql.txt`;
    it(`FreeBSD ${release}: one row per line, pids, fds, names, states, wildcards and scoped IPv6 read`, () => {
      const lines = fields(name);
      const rows = parseSockstat(fixtureOutput('freebsd', name));
      expect(rows).toHaveLength(lines.length);
      rows.forEach((row, i) => {
        const [user = '', command = '', pid = '', fd = '', proto = '', local = '', peer = ''] = lines[i] ?? [];
        expect(`${row.protocol}${row.family === 'inet' ? '4' : row.dualStack ? '46' : '6'}`).toBe(proto);
        // `local` as printed: brackets only around an IPv6 address on 14 and 15, none on 13.
        const port = Number(local.slice(local.lastIndexOf(':') + 1));
        expect(row.local.port).toBe(port);
        const host = local.slice(0, local.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
        expect(row.local.address).toBe(host === '*' ? (row.family === 'inet' ? '0.0.0.0' : '::') : host);
        expect(row.peer.port).toBe(peer === '*:*' ? 0 : Number(peer.slice(peer.lastIndexOf(':') + 1)));
        if (/^\d+$/.test(pid)) {
          expect(row).toMatchObject({ pid: Number(pid), fd: Number(fd), command, user });
        } else {
          expect(row).not.toHaveProperty('pid');
          expect(row.state).toBe('TIME_WAIT');
        }
        if (row.protocol === 'udp') expect(row.state).toBe('UNCONN');
        else expect(row.state).toBe(lines[i]?.at(-1)?.replace('SYN_RCVD', 'SYN_RECV'));
      });
      expect(rows.some((r) => r.local.address.startsWith('fe80::') && r.local.address.includes('%'))).toBe(true);
    });
  }

  it('FreeBSD 14.4 without a header (mql #10413): sshd on *:22 over IPv4 and IPv6', () => {
    const rows = parseSockstat(fixtureOutput('freebsd', 'sockstat-46s-freebsd14.4-mql-10413.txt'));
    expect(rows.map((r) => [r.family, r.local.address, r.local.port, r.state, r.pid, r.fd, r.command])).toEqual([
      ['inet6', '::', 22, 'LISTEN', 1718, 6, 'sshd'],
      ['inet', '0.0.0.0', 22, 'LISTEN', 1718, 7, 'sshd'],
    ]);
  });

  it('a numeric USER (-n) is a uid; a command name with a space is kept whole', () => {
    const text =
      'USER COMMAND PID FD PROTO LOCAL ADDRESS FOREIGN ADDRESS CONN STATE\n0 Web Conten 812 4 tcp4 127.0.0.1:8080 *:* LISTEN\n';
    expect(parseSockstat(text)).toEqual([
      expect.objectContaining({ uid: 0, command: 'Web Conten', pid: 812, fd: 4, state: 'LISTEN' }),
    ]);
  });
});
