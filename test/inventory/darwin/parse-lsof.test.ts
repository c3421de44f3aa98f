import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DARWIN_LSOF_ARGS } from '../../../src/inventory/darwin/collect.js';
import { parseLsofFields, type LsofSocketFile } from '../../../src/inventory/darwin/parse-lsof.js';
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

// No recorded `lsof -F` output of a Mac with a citable source was found (see docs/platforms.md): the
// field format is lsof's own on every system, so the parser is tested on this machine's real lsof, run
// with the macOS collector's arguments on a process that holds known sockets.
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
