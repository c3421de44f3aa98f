import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DARWIN_LSOF_ARGS } from '../../../src/inventory/darwin/collect.js';
import { parseLsofFields, type LsofSocketFile } from '../../../src/inventory/darwin/parse-lsof.js';
import { fixtureOutput } from '../../helpers/fixture-text.js';
import { startFixture, type Fixture } from '../../helpers/fixture.js';

interface Held {
  readonly port: number;
  readonly fd: number;
}
interface Info {
  readonly tcp: Held;
  readonly tcp6: Held;
  readonly udp: Held;
  readonly client: Held;
  readonly server: { readonly fd: number };
}

const SCRIPT = fileURLToPath(new URL('../../helpers/bsd-sockets.py', import.meta.url));

// The recorded Mac outputs below (allyring/pvw) have no `t`, `d` or `T` fields: the fields the macOS
// collector asks for with -T are tested on this machine's real lsof, run with the collector's arguments on
// a process that holds known sockets (the field format is lsof's own on every system).
describe('parseLsofFields on real lsof -F output', () => {
  let fixture: Fixture<Info>;
  let files: LsofSocketFile[];

  beforeAll(async () => {
    fixture = await startFixture<Info>('python3', [SCRIPT]);
    const out = execFileSync('lsof', [...DARWIN_LSOF_ARGS, '-a', '-p', String(fixture.pid)], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    files = parseLsofFields(out);
  });
  afterAll(() => fixture.stop());

  const byFd = (fd: number) => files.find((f) => f.fd === fd);

  it('reads each socket fd with its process, protocol, endpoints and TCP state', () => {
    const { tcp, tcp6, udp, client, server } = fixture.info;
    expect(files.every((f) => f.pid === fixture.pid && f.command === 'python3' && f.uid === process.getuid?.())).toBe(
      true,
    );
    expect(byFd(tcp.fd)).toMatchObject({
      protocol: 'tcp',
      family: 'inet',
      state: 'LISTEN',
      local: { address: '127.0.0.1', port: tcp.port },
      peer: { address: '0.0.0.0', port: 0 },
    });
    expect(byFd(tcp6.fd)).toMatchObject({
      family: 'inet6',
      state: 'LISTEN',
      local: { address: '::1', port: tcp6.port },
    });
    expect(byFd(udp.fd)).toMatchObject({ protocol: 'udp', state: 'UNCONN', local: { port: udp.port } });
    expect(byFd(client.fd)).toMatchObject({
      state: 'ESTABLISHED',
      local: { port: client.port },
      peer: { address: '127.0.0.1', port: tcp.port },
    });
    expect(byFd(server.fd)?.peer.port).toBe(client.port);
    expect(files).toHaveLength(5);
  });

  it('reads the queue fields -Tqs asks for', () => {
    expect(byFd(fixture.info.client.fd)).toMatchObject({ recvQ: 0, sendQ: 0 });
  });
});

describe('parseLsofFields on lsof -F outputs recorded on Macs (allyring/pvw)', () => {
  const recorded = (name: string) => parseLsofFields(fixtureOutput('darwin', name));

  for (const name of ['lsof-F-pvw-mac-2022.txt', 'lsof-F-pvw-issue-1-2022.txt']) {
    it(`${name}: one socket file per fd set, each under the pid and command of its process set`, () => {
      const output = fixtureOutput('darwin', name);
      const files = recorded(name);
      expect(files).toHaveLength(output.split('\n').filter((l) => l.startsWith('f')).length);
      // Each file belongs to the nearest `p` line above its `f` line, and carries that set's `c`.
      const lines = output.split('\n');
      let i = 0;
      for (const [n, line] of lines.entries()) {
        if (!line.startsWith('f')) continue;
        const owner = lines.slice(0, n).findLast((l) => l.startsWith('p'));
        const command = lines.slice(lines.lastIndexOf(owner ?? ''), n).find((l) => l.startsWith('c'));
        expect(files[i]).toMatchObject({
          pid: Number(owner?.slice(1)),
          command: command?.slice(1),
          fd: Number(line.slice(1)),
        });
        i += 1;
      }
    });
  }

  it('a Mac capture without `t` and `T` fields: the family from the brackets, no TCP state made up', () => {
    const files = recorded('lsof-F-pvw-mac-2022.txt');
    const setapp = files.filter((f) => f.pid === 604);
    expect(setapp.map((f) => [f.fd, f.protocol, f.family, f.local.address, f.local.port, f.peer.port])).toEqual([
      [4, 'tcp', 'inet', '127.0.0.1', 2432, 0],
      [5, 'tcp', 'inet6', '::1', 2432, 0],
      [63, 'udp', 'inet', '192.168.0.14', 59275, 8125],
    ]);
    expect(setapp.map((f) => f.state)).toEqual([undefined, undefined, 'ESTABLISHED']);
    expect(files.find((f) => f.pid === 615)).toMatchObject({
      command: 'iStat Menus Status',
      protocol: 'udp',
      state: 'UNCONN',
    });
    expect(files.filter((f) => f.command === 'Adobe Desktop Service').map((f) => f.local.port)).toEqual([
      15292, 15393, 16494,
    ]);
    // `n*:*`: a UDP socket bound to no address and no port yet.
    expect(files[0]).toMatchObject({ pid: 180, command: 'loginwindow', local: { address: '0.0.0.0', port: 0 } });
  });

  it('names with spaces, and one connection held by two fds of one process (Mail, pvw #1)', () => {
    const files = recorded('lsof-F-pvw-issue-1-2022.txt');
    expect(files.filter((f) => f.command === 'Slack Helper').map((f) => f.fd)).toEqual([21, 22, 27, 28]);
    const mail = files.filter((f) => f.pid === 855 && f.local.port === 57627);
    expect(mail.map((f) => f.fd)).toEqual([32, 82]);
    expect(mail[0]?.peer).toEqual({ address: '74.125.206.109', port: 993 });
    expect(files.filter((f) => f.pid === 866 && f.protocol === 'tcp').map((f) => f.local.port)).toEqual([
      5000, 7000, 7000, 5000,
    ]);
  });
});
