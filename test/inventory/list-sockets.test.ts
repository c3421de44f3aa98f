import { beforeAll, describe, expect, it } from 'vitest';
import { listSockets, type Socket } from '../../src/index.js';
import { entry, startSocketsFixture, type Fixture, type SocketsInfo } from '../helpers/fixture.js';
import { watchFixture } from '../helpers/watch-fixture.js';

let fixture: Fixture<SocketsInfo>;

beforeAll(async () => {
  fixture = await startSocketsFixture();
});
watchFixture(() => fixture);

function heldIn(sockets: readonly Socket[], name: string): Socket {
  const { fd } = entry(fixture.info, name);
  const found = sockets.find((s) => s.owners.some((o) => o.pid === fixture.pid && o.fds?.includes(fd ?? -1) === true));
  if (found === undefined) throw new Error(`no socket held by fd ${String(fd)} (${name})`);
  return found;
}

const port = (name: string) => (entry(fixture.info, name).local as [string, number])[1];

const BACKENDS = ['native', 'procfs'] as const;

describe.each(BACKENDS)('listSockets on real sockets (backend %s)', (backend) => {
  let sockets: Socket[];
  beforeAll(async () => {
    ({ sockets } = await listSockets({ backend }));
  });
  const held = (name: string) => heldIn(sockets, name);

  it.each([
    ['tcp4_listen', 'tcp', 'inet', 'LISTEN', '127.0.0.1'],
    ['tcp6_listen', 'tcp', 'inet6', 'LISTEN', '::1'],
    ['tcp6_dual_listen', 'tcp', 'inet6', 'LISTEN', '::'],
    ['tcp4_client', 'tcp', 'inet', 'ESTABLISHED', '127.0.0.1'],
    ['tcp6_mapped_server', 'tcp', 'inet6', 'ESTABLISHED', '::ffff:127.0.0.1'],
    ['udp4_bound', 'udp', 'inet', 'UNCONN', '127.0.0.1'],
    ['udp4_connected', 'udp', 'inet', 'ESTABLISHED', '127.0.0.1'],
    ['udp6_bound', 'udp', 'inet6', 'UNCONN', '::1'],
  ])('%s: %s/%s %s on %s with its port', (name, protocol, family, state, address) => {
    const s = held(name);
    expect(s).toMatchObject({ protocol, family, state, local: { address, port: port(name) }, ownerStatus: 'ok' });
    expect(s.inode).toBeGreaterThan(0);
  });

  it('gives an established socket its peer, and the peer socket the mirror image', () => {
    const client = held('tcp4_client');
    const server = held('tcp4_server');
    expect(client.peer).toEqual(server.local);
    expect(server.peer).toEqual(client.local);
    expect(held('udp4_connected').peer).toEqual({ address: '127.0.0.1', port: port('udp4_bound') });
  });

  it('lists a TIME_WAIT socket with its timer and no owner', () => {
    const tw = entry(fixture.info, 'tcp4_time_wait');
    const [address, localPort] = tw.local as [string, number];
    const s = sockets.find((x) => x.state === 'TIME_WAIT' && x.local.port === localPort && x.local.address === address);
    expect(s).toMatchObject({ inode: 0, owners: [], ownerStatus: 'none', timer: { kind: 'timewait' } });
    expect(s?.peer.port).toBe(tw.peer?.[1]);
  });

  it('lists unix stream, datagram and abstract sockets with paths and types', () => {
    const info = fixture.info;
    expect(held('unix_stream_listen')).toMatchObject({
      state: 'LISTEN',
      local: { address: entry(info, 'unix_stream_listen').local },
      unix: { type: 'stream', abstract: false },
    });
    expect(held('unix_dgram')).toMatchObject({
      state: 'UNCONN',
      local: { address: entry(info, 'unix_dgram').local },
      unix: { type: 'dgram' },
    });
    expect(held('unix_abstract')).toMatchObject({
      local: { address: entry(info, 'unix_abstract').local },
      unix: { abstract: true },
    });
    expect(held('unix_stream_client')).toMatchObject({ state: 'ESTABLISHED', local: { address: '' } });
  });

  it('shows a socket shared by a parent and its forked child as one record with both owners', () => {
    const s = held('tcp4_shared');
    const { fd } = entry(fixture.info, 'tcp4_shared');
    expect(sockets.filter((x) => x.inode === s.inode)).toHaveLength(1);
    expect(s.owners.map((o) => [o.pid, o.fds])).toEqual(
      [
        [fixture.pid, [fd]],
        [fixture.info.child_pid, [fd]],
      ].sort((a, b) => Number(a[0]) - Number(b[0])),
    );
  });

  it('fills owner facts: command, cmdline, exe, user, start time', () => {
    const owner = held('tcp4_listen').owners.find((o) => o.pid === fixture.pid);
    expect(owner).toBeDefined();
    expect(owner?.command).toMatch(/^python3/);
    expect(owner?.cmdline?.[1]).toMatch(/sockets\.py$/);
    expect(owner?.exe).toMatch(/python3/);
    expect(owner?.uid).toBe(process.getuid?.());
    expect(owner?.user).toBeTypeOf('string');
    const started = Date.parse(owner?.startedAt ?? '');
    expect(Math.abs(started - Date.now())).toBeLessThan(120_000);
  });

  it('filters in the library: string and AST give the same answer', async () => {
    const expression = `sport = :${String(port('tcp4_listen'))}`;
    const byText = await listSockets({ protocols: ['tcp'], filter: expression, owners: false, backend });
    const byAst = await listSockets({
      protocols: ['tcp'],
      filter: { type: 'port', side: 'local', op: '=', port: port('tcp4_listen') },
      owners: false,
      backend,
    });
    expect(byText.sockets.map((s) => s.inode).sort()).toEqual(byAst.sockets.map((s) => s.inode).sort());
    expect(byText.sockets.some((s) => s.state === 'LISTEN')).toBe(true);
    expect(byText.sockets.every((s) => s.local.port === port('tcp4_listen'))).toBe(true);
  });

  it('listeners-only queries find the listeners, and owner predicates work', async () => {
    const { sockets: mine } = await listSockets({
      protocols: ['tcp'],
      filter: `state listening pid = ${String(fixture.pid)}`,
      backend,
    });
    expect(mine.map((s) => s.local.port).sort()).toEqual(
      ['tcp4_listen', 'tcp6_listen', 'tcp6_dual_listen', 'tcp4_shared'].map(port).sort(),
    );
  });

  it('rejects bad options with INVALID_ARGUMENT', async () => {
    await expect(listSockets({ protocols: ['sctp' as 'tcp'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(listSockets({ filter: 'sport = :99999' })).rejects.toMatchObject({
      code: 'INVALID_FILTER',
      column: 9,
    });
    await expect(listSockets({ netns: 'no-such-netns' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(listSockets({ backend: 'ss' as 'native' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('the native backend (sock_diag) against /proc/net', () => {
  let native: Socket[];
  let procfs: Socket[];
  beforeAll(async () => {
    const [a, b] = await Promise.all([listSockets({ backend: 'native' }), listSockets({ backend: 'procfs' })]);
    native = a.sockets;
    procfs = b.sockets;
    // procfs too when the kernel lacks a diag handler (raw without raw_diag): see diag-fallback.test.ts.
    expect(a.namespaces.find((n) => n.isHost)?.sources[0]).toBe('sock_diag');
    expect(b.namespaces.find((n) => n.isHost)?.sources).toEqual(['procfs']);
  });
  it('agrees on every fixture socket: kind, state, endpoints, inode, owners', () => {
    const shape = (s: Socket) => ({
      protocol: s.protocol,
      family: s.family,
      state: s.state,
      local: s.local,
      peer: s.peer,
      inode: s.inode,
      owners: s.owners.map((o) => [o.pid, o.fds]),
      uid: s.family === 'unix' ? undefined : s.uid,
    });
    const kept = Object.keys(fixture.info).filter(
      (n) => typeof fixture.info[n] === 'object' && entry(fixture.info, n).fd !== undefined,
    );
    expect(kept.length).toBeGreaterThan(12);
    for (const name of kept) expect(shape(heldIn(native, name)), name).toEqual(shape(heldIn(procfs, name)));
  });

  it('adds the LISTEN backlog, IPV6_V6ONLY, and unix uid, queues and peers', () => {
    expect(heldIn(native, 'tcp4_listen').sendQ).toBe(7);
    expect(heldIn(procfs, 'tcp4_listen').sendQ).toBe(0);
    expect(heldIn(native, 'tcp6_listen').v6only).toBe(true);
    expect(heldIn(native, 'tcp6_dual_listen').v6only).toBe(false);
    expect(heldIn(native, 'tcp4_listen').v6only).toBeUndefined();
    expect(heldIn(procfs, 'tcp6_listen').v6only).toBeUndefined();
    const client = heldIn(native, 'unix_stream_client');
    const server = heldIn(native, 'unix_stream_server');
    expect(client.unix?.peerInode).toBe(server.inode);
    expect(server.unix?.peerInode).toBe(client.inode);
    expect(heldIn(native, 'unix_stream_listen')).toMatchObject({ sendQ: 3, uid: process.getuid?.() });
    expect(heldIn(procfs, 'unix_stream_listen').uid).toBe(-1);
  });
});
