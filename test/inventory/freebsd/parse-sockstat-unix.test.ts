import { describe, expect, it } from 'vitest';
import { parseSockstat } from '../../../src/inventory/freebsd/parse-sockstat.js';
import { parseSockstatUnix } from '../../../src/inventory/freebsd/parse-sockstat-unix.js';
import { fixtureOutput } from '../../helpers/fixture-text.js';

/** The outputs of one FreeBSD machine recorded in shivansh/smoketests (2017), by the sockstat options used. */
const SMOKETESTS = {
  '-u': 'sockstat-u-smoketests-2017.txt',
  '-s': 'sockstat-s-smoketests-2017.txt',
  '-l': 'sockstat-l-smoketests-2017.txt',
  '-c': 'sockstat-c-smoketests-2017.txt',
  '-L': 'sockstat-L-loopback-excluded-smoketests-2017.txt',
  '': 'sockstat-smoketests-2017.txt',
} as const;

/** The unix rows of a recorded output, split on spaces: those whose PROTO column is a socket type. */
function unixLines(name: string): string[][] {
  return fixtureOutput('freebsd', name)
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => ['stream', 'dgram', 'seqpac'].includes(f[4] ?? ''));
}

describe('parseSockstatUnix on recorded FreeBSD sockstat outputs', () => {
  for (const [options, name] of Object.entries(SMOKETESTS)) {
    it(`sockstat ${options}: one row per unix line, with its pid, fd, user and command`, () => {
      const lines = unixLines(name);
      const rows = parseSockstatUnix(fixtureOutput('freebsd', name));
      expect(lines.length).toBeGreaterThan(0);
      expect(rows.map((r) => [r.user, r.command, r.pid, r.fd])).toEqual(
        lines.map(([user, command, pid, fd]) => [user, command, Number(pid), Number(fd)]),
      );
    });
  }

  it('sockstat -u: bound paths, connected peers, `-> ??` and the three socket types', () => {
    const rows = parseSockstatUnix(fixtureOutput('freebsd', SMOKETESTS['-u']));
    const at = (pid: number, fd: number) => rows.find((r) => r.pid === pid && r.fd === fd);
    expect(rows).toHaveLength(16);
    expect(at(60028, 4)).toMatchObject({ type: 'stream', state: 'ESTABLISHED', path: '', peerPath: '' });
    expect(at(60028, 5)).toMatchObject({ type: 'dgram', state: 'ESTABLISHED', path: '', peerPath: '/var/run/log' });
    expect(at(60021, 4)).toMatchObject({
      command: 'ssh-agent',
      type: 'stream',
      state: 'LISTEN',
      path: '/tmp/ssh-jArCznbJo6n9/agent.60019',
      user: 'zeebsd',
    });
    expect(at(405, 5)).toMatchObject({ type: 'seqpacket', state: 'LISTEN', path: '/var/run/devd.seqpacket.pipe' });
    expect(at(572, 4)).toMatchObject({ command: 'syslogd', type: 'dgram', state: 'UNCONN', path: '/var/run/log' });
    expect(at(405, 7)).toMatchObject({ type: 'dgram', state: 'ESTABLISHED', peerPath: '/var/run/logpriv' });
  });

  it("agrees with sockstat's own -l and -c selection: -l rows are never connected, -c rows always are", () => {
    const listening = parseSockstatUnix(fixtureOutput('freebsd', SMOKETESTS['-l']));
    const connected = parseSockstatUnix(fixtureOutput('freebsd', SMOKETESTS['-c']));
    expect(listening.map((r) => r.state)).not.toContain('ESTABLISHED');
    expect(listening.filter((r) => r.type !== 'dgram').every((r) => r.state === 'LISTEN')).toBe(true);
    expect(connected.every((r) => r.state === 'ESTABLISHED')).toBe(true);
    // Every row of the full listing is in one of the two selections.
    const all = parseSockstatUnix(fixtureOutput('freebsd', SMOKETESTS['']));
    const key = (r: { pid: number; fd: number }) => `${String(r.pid)}/${String(r.fd)}`;
    const chosen = new Set([...listening, ...connected].map(key));
    expect(all).toHaveLength(16);
    expect(all.every((r) => chosen.has(key(r)))).toBe(true);
    expect(all.filter((r) => r.state === 'ESTABLISHED').map(key)).toEqual(connected.map(key));
  });

  it('sockstat -s mixes internet and unix rows: each parser takes its own and only those', () => {
    const text = fixtureOutput('freebsd', SMOKETESTS['-s']);
    const inet = parseSockstat(text);
    expect(inet.map((r) => [r.protocol, r.family, r.local.port, r.state, r.pid])).toEqual([
      ['tcp', 'inet', 22, 'ESTABLISHED', 60028],
      ['tcp', 'inet', 22, 'ESTABLISHED', 60025],
      ['tcp', 'inet', 22, 'ESTABLISHED', 2872],
      ['tcp', 'inet', 22, 'ESTABLISHED', 2869],
      ['tcp', 'inet6', 22, 'LISTEN', 705],
      ['tcp', 'inet', 22, 'LISTEN', 705],
      ['udp', 'inet6', 514, 'UNCONN', 572],
      ['udp', 'inet', 514, 'UNCONN', 572],
    ]);
    expect(inet[0]?.peer).toEqual({ address: '10.0.2.2', port: 44246 });
    expect(parseSockstatUnix(text)).toHaveLength(unixLines(SMOKETESTS['-s']).length);
  });
});
