import { createServer } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/inventory/index.js';
import { openNativeConnect } from '../../src/scan/probes/native-connect.js';
import { nativeConnectMissing } from '../helpers/connect-backends.js';
import { hasTool } from '../helpers/system.js';
import { socketFds } from '../helpers/native-loop.js';
import { useStalledListener } from '../helpers/stalled-listener.js';

interface LoopAddon {
  connectLoopOpen(onResults: (records: Uint32Array) => void): object;
  connectLoopSubmit(handle: object, probes: Buffer): void;
  connectLoopCancel(handle: object, ids: Uint32Array): void;
  connectLoopClose(handle: object): void;
}

const CODE_TIMEOUT = -1;

/** Probe records (native/scan.c) for `ids` to 127.0.0.1:`port`, each timing out after 1 ms. */
function probes(ids: readonly number[], port: number): Buffer {
  const out = Buffer.alloc(28 * ids.length);
  for (const [i, id] of ids.entries()) {
    const at = i * 28;
    out.writeUInt32LE(id, at);
    out.writeUInt32LE(1000, at + 4);
    out.writeUInt16LE(port, at + 8);
    out.writeUInt8(4, at + 10);
    Buffer.from([127, 0, 0, 1]).copy(out, at + 12);
  }
  return out;
}

const until = async (done: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe.skipIf(nativeConnectMissing !== undefined || !hasTool('python3', 'the native cancel test'))(
  'cancelling lingering probes in the native connect loop (addon level)',
  () => {
    const listener = useStalledListener('127.0.0.1');

    it('closes exactly the probes named, in any order, across the slot table growing past 1,024', async () => {
      const addon = nativeAddon() as unknown as LoopAddon;
      const before = socketFds();
      // Probes still open: submitted, neither answered (one can connect while the backlog has room) nor cancelled.
      const open = new Set<number>();
      const timedOut = new Set<number>();
      const handle = addon.connectLoopOpen((records) => {
        const codes = new Int32Array(records.buffer, records.byteOffset, records.length);
        for (let i = 0; i < records.length; i += 3) {
          const id = records[i] ?? 0;
          if (codes[i + 1] === CODE_TIMEOUT) timedOut.add(id);
          else open.delete(id);
        }
      });
      const submit = (ids: number[]) => {
        for (const id of ids) open.add(id);
        addon.connectLoopSubmit(handle, probes(ids, listener.port));
      };
      // Ids 1,024 apart share few home buckets in the id index: long runs, wrapping past its end.
      const spread = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => (from + i) * 1024);
      const cancel = async (ids: number[]) => {
        for (const id of ids) open.delete(id);
        addon.connectLoopCancel(handle, Uint32Array.from(ids));
        await until(() => socketFds() - before === open.size, 5000);
        expect(socketFds() - before).toBe(open.size);
      };
      try {
        // 1,500 probes (the table grows from 1,024 slots), then the odd ids cancelled, highest first.
        submit(spread(1, 1500));
        await until(() => timedOut.size >= 1490, 10_000);
        expect(timedOut.size).toBeGreaterThanOrEqual(1490);
        expect(socketFds() - before).toBe(open.size);
        await cancel(Array.from({ length: 750 }, (_, i) => (1499 - 2 * i) * 1024));
        // More probes reuse the freed slots; then the even ids and a few unknown ids, then the new ones.
        submit(spread(2001, 2600));
        await until(() => socketFds() - before === open.size, 5000);
        await cancel([...Array.from({ length: 750 }, (_, i) => (2 + 2 * i) * 1024), 1501 * 1024, 9999]);
        expect(open.size).toBeGreaterThan(500);
        await cancel(spread(2001, 2600).reverse());
        expect(socketFds()).toBe(before);
      } finally {
        addon.connectLoopClose(handle);
      }
    });
  },
);

describe.skipIf(nativeConnectMissing !== undefined || !hasTool('python3', 'the native cancel test'))(
  'cancelling probes in the turn they were started (openNativeConnect)',
  () => {
    const listener = useStalledListener('127.0.0.1');
    let closedPort = 0;
    beforeAll(async () => {
      const spare = createServer();
      await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
      closedPort = (spare.address() as { port: number }).port;
      await new Promise<void>((resolve) => {
        spare.close(() => {
          resolve();
        });
      });
    });

    it.each([1, 2])(
      'closes every one on %i thread(s): the probes reach their thread before the cancels',
      async (lanes) => {
        const before = socketFds();
        const loop = openNativeConnect(lanes);
        let left: number;
        try {
          // 3,000 turns of 5 probes of a port whose backlog is full (they would wait in SYN_SENT for 10 s), each
          // cancelled at once: one flush per turn, and a thread that got the cancels before the probes started
          // those probes and kept them.
          for (let turn = 0; turn < 3000; turn++) {
            for (let i = 0; i < 5; i++) {
              const cancel = loop.probe('127.0.0.1', 4, listener.port, () => undefined, 10_000);
              cancel();
            }
            await new Promise((resolve) => setImmediate(resolve));
          }
          // Then a probe of a closed port to each thread (one per turn: a batch that small goes whole to one
          // thread, the threads in turn): a thread answers it only after every probe and cancel sent to it before,
          // and keeps its refused socket as a spare.
          for (let i = 0; i < lanes; i++) {
            await new Promise<void>((resolve) => {
              loop.probe(
                '127.0.0.1',
                4,
                closedPort,
                () => {
                  resolve();
                },
                10_000,
              );
            });
          }
          left = socketFds() - before - lanes;
        } finally {
          loop.close();
        }
        expect(left).toBe(0);
        expect(socketFds()).toBe(before);
      },
    );
  },
);
