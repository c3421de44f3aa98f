import { readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printColumns } from '../../src/cli/render/columns.js';
import { printSnapshot, type SnapshotView } from '../../src/cli/render/sockets.js';
import { hasNativeAddon, nativeAddon } from '../../src/index.js';
import { onePassRecords, onePassUnavailable, parseOnePass } from '../../src/inventory/linux/bpf-sockets.js';
import { tcpStateMask } from '../../src/inventory/linux/diag-request.js';
import { appendOnePass } from '../../src/inventory/linux/parse-onepass-columns.js';
import { ColumnsBuilder } from '../../src/inventory/linux/socket-columns.js';
import type { TableQuery } from '../../src/inventory/linux/tables.js';
import { TCP_STATES, type Snapshot } from '../../src/model/index.js';
import type { Fixture } from '../helpers/fixture.js';
import { fixtureInNetns } from '../helpers/netns-fixture.js';
import { canMakeNetnsFor } from '../helpers/system.js';

const name = `psls-bpf-${String(process.pid)}`;
let fixture: Fixture<{ pid: number; sockets: number }> | undefined;
const query: TableQuery = {
  protocols: new Set(['tcp', 'udp']),
  families: new Set(['inet', 'inet6']),
  tcpListenersOnly: false,
  tcpStateMask: tcpStateMask(TCP_STATES),
};
const view: SnapshotView = {
  format: 'table',
  fields: ['netid', 'state', 'recv-q', 'send-q', 'local', 'peer', 'netns'],
  header: true,
  style: { numeric: true },
  details: [],
};
const netnsOf = (path: string) => Number(/\d+/.exec(readlinkSync(path))?.[0]);
const addon = hasNativeAddon() ? nativeAddon() : undefined;
const bpfWhy = addon === undefined ? 'no addon' : onePassUnavailable(addon, { namespaces: 2, query, details: false });

async function text(print: (io: Parameters<typeof printSnapshot>[2]) => Promise<unknown>): Promise<string> {
  let out = '';
  await print({
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: () => true },
    isTTY: false,
    columns: undefined,
    env: {},
  });
  return out;
}

describe.skipIf(!canMakeNetnsFor('the one-pass columnar test') || bpfWhy !== undefined)(
  'columns from the one BPF pass over several namespaces',
  () => {
    fixtureInNetns(name, 'columnar-sockets.py', (started: NonNullable<typeof fixture>) => (fixture = started));

    it('prints from the same records what the Socket objects of parseOnePass print, in its order', async () => {
      if (addon === undefined) throw new Error('no addon');
      const read = await onePassRecords(addon, 10_000);
      if ('reason' in read) throw new Error(read.reason);
      const order = [netnsOf(`/proc/${String(fixture?.pid)}/ns/net`), netnsOf('/proc/self/ns/net')];
      const byNetns = parseOnePass(read.records, new Set(order), query);
      const sockets = order
        .flatMap((n) => byNetns.get(n) ?? [])
        .map((s) => ({ ...s, ownerStatus: 'not-requested' as const }));
      const snapshot = {
        ...{ schemaVersion: 1, takenAt: '', host: '', platform: 'linux', warnings: [], sockets },
        namespaces: order.map((netns) => ({ netns, isHost: false, pids: 0, sources: [] })),
      } as Snapshot;
      const columns = new ColumnsBuilder();
      appendOnePass(columns, read.records, order, query, new Uint8Array(96).fill(1));
      const listed = { columns, namespaces: order.map((netns) => ({ netns })) };
      const fromColumns = await text((io) => printColumns(listed, view, io));
      expect(fromColumns).toBe(await text((io) => printSnapshot(snapshot, view, io)));
      expect(columns.length).toBeGreaterThan(400);
      for (const state of ['LISTEN', 'TIME-WAIT', 'FIN-WAIT-2', 'CLOSE-WAIT', 'UNCONN'])
        expect(fromColumns).toContain(state);
    });
  },
);
