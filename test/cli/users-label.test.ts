import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usersLabel } from '../../src/cli/render/ss-labels.js';
import { listSockets } from '../../src/index.js';
import type { Socket } from '../../src/model/index.js';

let server: Server;
let listener: Socket | undefined;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const snapshot = await listSockets({
    protocols: ['tcp'],
    filter: `sport = :${String(port)}`,
    owners: true,
    netns: 'host',
  });
  listener = snapshot.sockets[0];
});

afterAll(() => {
  server.close();
});

describe("usersLabel of a socket held through one fd of one process (ss -p's most common cell)", () => {
  it('prints ("command",pid=N,fd=N), as it does for several holders', () => {
    const socket = listener as Socket;
    const [owner] = socket.owners;
    expect(socket.owners).toHaveLength(1);
    expect(owner?.pid).toBe(process.pid);
    expect(owner?.fds).toHaveLength(1);
    const entry = `("${owner?.command ?? ''}",pid=${String(process.pid)},fd=${String(owner?.fds?.[0])})`;
    expect(usersLabel(socket)).toBe(`users:(${entry})`);
    // The same holder twice (a second process, as after a fork): both entries, the higher pid first.
    const twin = { ...owner, pid: process.pid + 1 } as typeof owner & object;
    expect(usersLabel({ ...socket, owners: [owner as typeof twin, twin] })).toBe(
      `users:(${entry.replace(`pid=${String(process.pid)}`, `pid=${String(process.pid + 1)}`)},${entry})`,
    );
  });

  it('with -T, one entry per thread of that process', () => {
    const socket = listener as Socket;
    const fd = String(socket.owners[0]?.fds?.[0]);
    const threads = new Map([
      [
        process.pid,
        [
          { tid: process.pid, command: 'main' },
          { tid: 7, command: 'worker' },
        ],
      ],
    ]);
    expect(usersLabel(socket, { numeric: true, threads })).toBe(
      `users:(("worker",pid=${String(process.pid)},tid=7,fd=${fd}),("main",pid=${String(process.pid)},tid=${String(process.pid)},fd=${fd}))`,
    );
  });
});
