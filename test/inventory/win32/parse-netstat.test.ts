import { describe, expect, it } from 'vitest';
import { parseNetstat } from '../../../src/inventory/win32/parse-netstat.js';
import { item, windowsFixture } from '../../helpers/fake-windows-tools.js';

/** The fixture's data rows, split on white space: what a reader of the capture sees, field by field. */
function dataRows(name: string): string[][] {
  return windowsFixture(name)
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[0] === 'TCP' || f[0] === 'UDP');
}

describe('parseNetstat on recorded Windows netstat output', () => {
  it.each([
    ['netstat-ano-de-oem-flair.txt', 'ABH™REN: German, OEM code page misread'],
    ['netstat-ano-fr-flair.txt', 'French headers'],
    ['netstat-ano-de-raycast-30682.txt', 'ABHÖREN'],
    ['netstat-aon-whoport-1.txt', 'English, filtered by find'],
  ])('%s (%s): listeners by their 0.0.0.0:0 peer, with their pid', (name) => {
    const rows = dataRows(name);
    const { rows: parsed, unknownStates } = parseNetstat(windowsFixture(name));
    expect(unknownStates).toEqual([]);
    expect(parsed).toHaveLength(rows.length);
    parsed.forEach((row, i) => {
      const fields = item(rows, i);
      expect(row).toMatchObject({ protocol: 'tcp', state: 'LISTEN', pid: Number(item(fields, -1)) });
      expect(`${row.localAddress}:${String(row.localPort)}`).toBe(item(fields, 1));
    });
  });

  it('reads the pid of a UDP row, which has no state column (pid-port #20, systeminformation #724)', () => {
    const rows = dataRows('netstat-ano-pid-port-20.txt');
    const parsed = parseNetstat(windowsFixture('netstat-ano-pid-port-20.txt')).rows;
    expect(item(parsed, 0)).toMatchObject({ protocol: 'tcp', state: 'LISTEN', pid: Number(item(item(rows, 0), -1)) });
    expect(item(parsed, 1)).toMatchObject({ protocol: 'udp', state: 'UNCONN', pid: Number(item(item(rows, 1), -1)) });
    expect(item(parsed, 1).remoteAddress).toBeUndefined();
  });

  it('reads `netstat -a -p udp` without -o: no pid, and a connected UDP socket', () => {
    const rows = dataRows('netstat-a-p-udp-netstat2-rs-7.txt');
    const parsed = parseNetstat(windowsFixture('netstat-a-p-udp-netstat2-rs-7.txt')).rows;
    expect(parsed).toHaveLength(rows.length);
    for (const [i, row] of parsed.entries()) {
      const foreign = item(item(rows, i), 2);
      expect(row.pid).toBe(0);
      if (foreign === '*:*') expect(row.state).toBe('UNCONN');
      else {
        expect(row.state).toBe('ESTABLISHED');
        expect(`${String(row.remoteAddress)}:${String(row.remotePort)}`).toBe(foreign);
      }
    }
    expect(parsed.filter((r) => r.state === 'ESTABLISHED')).toHaveLength(1);
  });

  it('reads Chinese headers and TIME_WAIT rows with pid 0', () => {
    const rows = dataRows('netstat-ano-zh-billfeller-174.txt');
    const parsed = parseNetstat(windowsFixture('netstat-ano-zh-billfeller-174.txt')).rows;
    expect(parsed.map((r) => [r.state, r.pid, `${String(r.remoteAddress)}:${String(r.remotePort)}`])).toEqual(
      rows.map((f) => ['TIME_WAIT', 0, f[2]]),
    );
  });

  it('reads `netstat -an` listeners without a pid column', () => {
    const rows = dataRows('netstat-an-ducatel-4.txt');
    const parsed = parseNetstat(windowsFixture('netstat-an-ducatel-4.txt')).rows;
    expect(parsed.map((r) => r.localPort)).toEqual(rows.map((f) => Number(item(item(f, 1).split(':'), 1))));
    expect(new Set(parsed.map((r) => `${r.state}/${String(r.pid)}`))).toEqual(new Set(['LISTEN/0']));
  });

  it('keeps the IPv6 zone of a link-local address with the address (`[fe80::...%3]:1900`)', () => {
    const rows = dataRows('netstat-an-ipv6-zone-mozilla-mig.txt');
    const parsed = parseNetstat(windowsFixture('netstat-an-ipv6-zone-mozilla-mig.txt')).rows;
    expect(parsed.map((r) => `${r.localAddress}:${String(r.localPort)}`)).toEqual(rows.map((f) => f[1]));
    const zoned = parsed.filter((r) => r.localAddress.includes('%'));
    expect(zoned.length).toBeGreaterThan(0);
    for (const r of zoned) expect(r).toMatchObject({ protocol: 'udp', state: 'UNCONN', pid: 0 });
    expect(parsed.filter((r) => r.state === 'TIME_WAIT')).toHaveLength(rows.filter((f) => f[3] === 'TIME_WAIT').length);
  });

  it('skips the image and service lines of `netstat -anob`, and reads PID 4 (System) rows', () => {
    const rows = dataRows('netstat-anob-flutter-53477.txt');
    const parsed = parseNetstat(windowsFixture('netstat-anob-flutter-53477.txt')).rows;
    expect(parsed.map((r) => [r.protocol.toUpperCase(), `${r.localAddress}:${String(r.localPort)}`, r.pid])).toEqual(
      rows.map((f) => [f[0], f[1], Number(item(f, -1))]),
    );
    expect(parsed.filter((r) => r.pid === 4).map((r) => r.localPort)).toEqual([445, 2869]);
  });

  it('does not guess the state of a connection named in the system language: it reports the word', () => {
    // The German row of raycast #30682 with its foreign address made a peer: a connection whose state
    // word netstat translated; nothing in the row says which state it is.
    const line = windowsFixture('netstat-ano-de-raycast-30682.txt').replace('0.0.0.0:0', '192.0.2.7:443');
    const table = parseNetstat(line);
    expect(table.rows).toEqual([]);
    expect(table.unknownStates).toEqual([{ word: 'ABHÖREN', count: 1 }]);
  });
});
