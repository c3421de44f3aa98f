import { connect, createServer, type Server, type Socket as NetSocket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iterateSockets, listSockets, type Socket } from '../../src/index.js';

let server: Server;
const peers: NetSocket[] = [];
let port = 0;

beforeAll(async () => {
  server = createServer((s) => peers.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((resolve, reject) => {
      peers.push(connect(port, '127.0.0.1', resolve).once('error', reject));
    });
  }
});

afterAll(() => {
  for (const p of peers) p.destroy();
  server.close();
});

/** The facts of a socket that do not move between two listings of idle connections. */
const key = (s: Socket) => ({
  protocol: s.protocol,
  state: s.state,
  local: s.local,
  peer: s.peer,
  inode: s.inode,
  pids: s.owners.map((o) => o.pid),
});

describe('iterateSockets', () => {
  it('yields the sockets listSockets returns, in the same order, owners included', async () => {
    const options = {
      protocols: ['tcp'] as const,
      filter: `sport = :${String(port)} or dport = :${String(port)}`,
      owners: true,
      netns: 'host',
    };
    const listed = await listSockets({ ...options, protocols: [...options.protocols] });
    const iterated: Socket[] = [];
    for await (const s of iterateSockets({ ...options, protocols: [...options.protocols] })) iterated.push(s);
    expect(listed.sockets).toHaveLength(41);
    expect(iterated.map(key)).toEqual(listed.sockets.map(key));
    expect(iterated.every((s) => s.owners.some((o) => o.pid === process.pid))).toBe(true);
  }, 120_000); // two fd walks of every process: seconds on a host with a million sockets

  it('throws listSockets errors when iteration starts', async () => {
    const iterable = iterateSockets({ filter: 'state bogus' });
    await expect(async () => {
      for await (const s of iterable) expect(s).toBeUndefined();
    }).rejects.toMatchObject({ code: 'INVALID_FILTER' });
  });
});
