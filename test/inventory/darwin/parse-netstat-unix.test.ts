import { describe, expect, it } from 'vitest';
import { darwinUnixState, parseDarwinNetstatUnix } from '../../../src/inventory/darwin/parse-netstat-unix.js';
import { darwinUnixSockets } from '../../../src/inventory/darwin/unix-sockets.js';
import { fixtureOutput } from '../../helpers/fixture-text.js';

const RECORDED = fixtureOutput('darwin', 'netstat-An-unix-mojave-jc.txt');
const UNIX = ['netstat-An-unix-mojave-jc.txt', 'netstat-unix-mojave-jc.txt'];

/** A recorded unix section's data lines, cut by its own section headers. */
function unixLines(output: string): string[] {
  const lines = output.split('\n');
  const start = lines.indexOf('Active LOCAL (UNIX) domain sockets') + 2;
  const end = lines.findIndex((l, i) => i > start && /^(Active|Registered) /.test(l));
  return lines.slice(start, end).filter((l) => l.trim() !== '');
}

describe('parseDarwinNetstatUnix on a recorded macOS 10.14.6 netstat (jc test data)', () => {
  const rows = parseDarwinNetstatUnix(RECORDED);

  it.each(UNIX)('%s: one row per line of the unix section and nothing of the other sections', (name) => {
    const output = fixtureOutput('darwin', name);
    const lines = unixLines(output);
    const parsed = parseDarwinNetstatUnix(output);
    expect(lines.length).toBeGreaterThan(300);
    expect(parsed).toHaveLength(lines.length);
    parsed.forEach((row, i) => {
      const tokens = (lines[i] ?? '').trim().split(/\s+/);
      expect([row.address, row.recvQ, row.sendQ, row.vnode, row.conn]).toEqual([
        tokens[0],
        Number(tokens[2]),
        Number(tokens[3]),
        tokens[4],
        tokens[5],
      ]);
      expect(row.type).toBe(tokens[1]);
      expect(row.path).toBe(tokens.slice(8).join(' '));
      expect(row.pid).toBeUndefined();
    });
  });

  it('keeps a path with spaces whole', () => {
    const row = rows.find((r) => r.address === '7fb03cb945d387cd');
    expect(row?.path).toBe('/Users/kbrazil/Library/Application Support/Fortinet/FortiClient/credentialstore.sock');
  });

  it('states: a bound unconnected stream socket listens, a connected one is established, a bound dgram is unconn', () => {
    const state = (address: string) => {
      const row = rows.find((r) => r.address === address);
      return row === undefined ? undefined : darwinUnixState(row);
    };
    // Its own vnode, no peer: the socket that called bind() and listen().
    expect(state('7fb03cb95130cbb5')).toBe('LISTEN');
    // The accepted end of /var/run/mDNSResponder (the path, no vnode) and its client: both have a peer.
    expect(state('7fb03cb94d74825d')).toBe('ESTABLISHED');
    expect(state('7fb03cb94d748965')).toBe('ESTABLISHED');
    // docker.raw.sock's accepted ends whose peer went away: the path, no vnode, no peer.
    expect(state('7fb03cb95130e0cd')).toBe('UNCONN');
    const dgram = rows.filter((r) => r.type === 'dgram');
    expect(dgram.length).toBeGreaterThan(0);
    expect(dgram.map(darwinUnixState).every((s) => s === 'UNCONN' || s === 'ESTABLISHED')).toBe(true);
  });

  it('gives a client the path of the socket it is connected to as its peer', () => {
    const sockets = darwinUnixSockets(rows);
    const client = sockets[rows.findIndex((r) => r.address === '7fb03cb94d748965')];
    expect(client?.socket).toMatchObject({
      protocol: 'unix',
      family: 'unix',
      state: 'ESTABLISHED',
      local: { address: '', port: 0 },
      peer: { address: '/var/run/mDNSResponder', port: 0 },
      unix: { type: 'stream', abstract: false },
    });
    expect(client?.holders).toEqual([]);
  });
});
