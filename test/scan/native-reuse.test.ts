import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNativeConnect } from '../../src/scan/probes/native-connect.js';
import { nativeConnectMissing } from '../helpers/connect-backends.js';
import { probeAll, socketFds } from '../helpers/native-loop.js';

const listen = async (host: string, port = 0): Promise<Server> => {
  const server = createServer((s) => {
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
};
const portOf = (server: Server) => (server.address() as { port: number }).port;
const shut = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
const connections = (server: Server) =>
  new Promise<number>((resolve) => {
    server.getConnections((_error, count) => {
      resolve(count);
    });
  });

let open4: Server;
let open6: Server;
let closed = 0;

beforeAll(async () => {
  open4 = await listen('127.0.0.1');
  open6 = await listen('::1');
  // A port closed on both addresses: bound on both, then released.
  const spare4 = await listen('127.0.0.1');
  closed = portOf(spare4);
  const spare6 = await listen('::1', closed);
  await shut(spare4);
  await shut(spare6);
});
afterAll(async () => {
  await shut(open4);
  await shut(open6);
});

describe.skipIf(nativeConnectMissing !== undefined)(
  'the native connect loop keeps refused sockets for later probes',
  () => {
    it.each([1, 2])(
      'answers interleaved IPv4 and IPv6, open and closed probes right on %i thread(s), each holding one spare socket per family until closed',
      async (lanes) => {
        const before = socketFds();
        const loop = openNativeConnect(lanes);
        const count = 402;
        // Every 7th probe is of an open port (not the last two), alternate probes IPv6: each family's spare socket is taken
        // by probes of its own family, and connects to open ports between refused ones.
        const probes = Array.from({ length: count }, (_, i) => {
          const v6 = i % 2 === 1;
          const open = i % 7 === 0;
          return { v6, open, port: open ? portOf(v6 ? open6 : open4) : closed };
        });
        let states = new Map<number, string[]>();
        let spares: number | undefined;
        try {
          states = await probeAll(loop, probes);
          // Every probe answered: the loop holds only its spare sockets (the connected ones are closed),
          // once the listeners here have closed their ends of the connections the probes reset.
          const deadline = Date.now() + 5000;
          while ((await connections(open4)) + (await connections(open6)) > 0 && Date.now() < deadline)
            await new Promise((resolve) => setTimeout(resolve, 10));
          spares = socketFds() - before;
        } finally {
          loop.close();
        }
        expect([...states.values()].every((list) => list.length === 1)).toBe(true);
        const wrong = probes.filter((p, i) => states.get(i)?.[0] !== (p.open ? 'open' : 'closed'));
        expect(wrong).toEqual([]);
        // The loop's own epoll and eventfd are not sockets; one refused socket kept per family and thread
        // (the one batch is split in two runs, each with both families and closed ports).
        expect(spares).toBe(2 * lanes);
        expect(socketFds()).toBe(before);
      },
    );
  },
);
