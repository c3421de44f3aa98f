import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDarwinNetstat } from '../../../src/inventory/darwin/parse-netstat.js';
import { dataLines, fixtureOutput, fixturePath } from '../../helpers/fixture-text.js';

// The `-unix-` captures are read for their unix section only (parse-netstat-unix.test.ts).
const NETSTAT = readdirSync(dirname(fixturePath('darwin', 'x'))).filter(
  (f) => f.startsWith('netstat-') && !f.includes('-unix-'),
);

describe('parseDarwinNetstat on recorded macOS outputs', () => {
  it('has the recorded fixtures', () => {
    expect(NETSTAT.length).toBeGreaterThanOrEqual(6);
  });

  for (const name of NETSTAT) {
    it(`${name}: one row per data line, ports and pids as the header places them`, () => {
      const output = fixtureOutput('darwin', name);
      const lines = dataLines(output, ['tcp', 'udp']);
      const rows = parseDarwinNetstat(output);
      expect(rows).toHaveLength(lines.length);
      rows.forEach((row, i) => {
        const tokens = (lines[i] ?? '').trim().split(/\s+/);
        expect(row.local.port).toBe(Number((tokens[3] ?? '').split('.').pop()));
        expect(row.recvQ).toBe(Number(tokens[1]));
        expect(row.sendQ).toBe(Number(tokens[2]));
        // The pid, when the header has one, is a whole field of the line (or the end of `process:pid`).
        if (/\bpid\b/.test(output)) expect(lines[i]).toMatch(new RegExp(`[\\s:]${String(row.pid)}\\s`));
        else expect(row.pid).toBeUndefined();
      });
    });
  }

  it('reads the pid under `pid` on Sequoia, not rhiwat (pid-port #12, systeminformation #951)', () => {
    const rows = parseDarwinNetstat(fixtureOutput('darwin', 'netstat-tcp-sequoia.txt'));
    expect(rows.map((r) => r.pid)).toEqual([2903, 5767, 75236, 74164]);
    expect(rows.every((r) => r.state === 'ESTABLISHED' && r.family === 'inet')).toBe(true);
  });

  it("reads macOS 26's process:pid with a space in the name (pid-port #14)", () => {
    const rows = parseDarwinNetstat(fixtureOutput('darwin', 'netstat-tcp-tahoe.txt'));
    expect(rows.map((r) => [r.command, r.pid])).toEqual([
      ['Autodesk Fusion', 22712],
      ['Autodesk Fusion', 22712],
    ]);
    expect(rows[0]?.peer).toEqual({ address: '127.0.0.1', port: 49472 });
  });

  it('gives UDP rows without a state word a state from the peer, and their pid (pid-from-port #3)', () => {
    const rows = parseDarwinNetstat(fixtureOutput('darwin', 'netstat-udp-sierra.txt'));
    expect(rows.map((r) => [r.protocol, r.state, r.pid])).toEqual([
      ['udp', 'ESTABLISHED', 505],
      ['udp', 'ESTABLISHED', 505],
    ]);
  });

  it('maps BSD state names to the kernel names of the model (CLOSE_WAIT stays, queues are read)', () => {
    const rows = parseDarwinNetstat(fixtureOutput('darwin', 'netstat-tcp-mojave.txt'));
    expect(rows.filter((r) => r.state === 'CLOSE_WAIT').map((r) => r.recvQ)).toEqual([24, 24]);
  });

  it('reads a tcp46 listener as an IPv6 socket that takes IPv4 too (apple.stackexchange 117644)', () => {
    const rows = parseDarwinNetstat(fixtureOutput('darwin', 'netstat-anvp-tcp-listen-apple-se-117644.txt'));
    expect(rows).toEqual([
      {
        protocol: 'tcp',
        family: 'inet6',
        dualStack: true,
        state: 'LISTEN',
        local: { address: '::', port: 62981 },
        peer: { address: '::', port: 0 },
        recvQ: 0,
        sendQ: 0,
        pid: 34548,
      },
    ]);
  });

  it('reads a header with no rows as no sockets', () => {
    expect(parseDarwinNetstat(fixtureOutput('darwin', 'netstat-tcp-sonoma-header.txt'))).toEqual([]);
  });
});
