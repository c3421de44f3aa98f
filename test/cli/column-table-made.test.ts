import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TableWriter } from '../../src/cli/render/column-table.js';
import { printColumns } from '../../src/cli/render/columns.js';
import type { SnapshotView } from '../../src/cli/render/sockets.js';
import { nativeAddon } from '../../src/index.js';
import { joinColumnOwners } from '../../src/inventory/linux/owner-columns.js';
import { ColumnsBuilder } from '../../src/inventory/linux/socket-columns.js';

const addon = nativeAddon();
const writer =
  addon?.tableRows && addon.tableWidths && addon.columnKeys && addon.missingKeys && addon.numberKeys
    ? (addon as TableWriter)
    : undefined;
const ROWS = 3000;
/** A pid that no process has (above the kernel's largest, 2^22): its rows' holder is gone. */
const GONE = 4194400;

/**
 * A listing made here (no root needed): TCP, UDP and UDP-Lite rows of both families, the dual-stack `::` with
 * v6only 0 and 1, port 0, queues past 65,535; owned by this process through one fd each, but every 7th socket
 * through two fds, every 11th by no one, every 13th by a process gone since the walk.
 */
async function listing() {
  const c = new ColumnsBuilder();
  c.reserve(ROWS);
  const v4 = ['127.0.0.1', '10.1.2.3', '0.0.0.0'].map((t, i) => c.v4(0x7f000001 + i, () => t));
  const v6 = ['::', '::1', 'fe80::1'].map((t, i) => c.v6(`k${String(i)}`, () => t));
  const triples: number[] = [];
  for (let i = 0; i < ROWS; i++) {
    const six = i % 2 === 1;
    const addresses = six ? v6 : v4;
    c.protocol[i] = i % 3;
    c.family[i] = six ? 6 : 4;
    c.state[i] = i % 3 === 0 ? 1 + (i % 11) : 7;
    c.localAddress[i] = addresses[i % 3] ?? 0;
    c.peerAddress[i] = addresses[(i + 1) % 3] ?? 0;
    c.localPort[i] = i % 17 === 0 ? 0 : ([22, 443, 5353, 40000 + i][i % 4] ?? 1);
    c.peerPort[i] = (i * 7919) % 65536;
    c.recvQ[i] = i % 5 === 0 ? 70000 + i : i % 9;
    c.sendQ[i] = i % 4;
    c.uid[i] = 0;
    c.inode[i] = 100000 + i;
    c.netns[i] = 1;
    c.v6only[i] = six ? (i % 4 === 1 ? 0 : 1) : -1;
    if (i % 11 === 0) continue;
    triples.push(100000 + i, i % 13 === 0 ? GONE : process.pid, 3 + i);
    if (i % 7 === 0) triples.push(100000 + i, process.pid, 5000 + i);
  }
  c.length = ROWS;
  const walk = {
    walk: { holders: Uint32Array.from(triples), denied: [], gone: [] },
    source: { source: 'procfs' as const },
  };
  const owners = await joinColumnOwners(c, Promise.resolve(walk), new Map(), 0);
  return { columns: c, namespaces: [{ netns: 1 }], owners };
}

describe.skipIf(writer === undefined)('the addon writes a made-up listing as TypeScript does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ps-table-made-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The listing printed to a file with `withWriter` ({} : TypeScript's rows), how often the writer wrote rows
   * and how often its tagKeys made number pieces.
   */
  async function printed(view: SnapshotView, withWriter: Partial<TableWriter>, order?: number[]) {
    const file = join(dir, `out-${String(Math.random()).slice(2)}`);
    const fd = openSync(file, 'w');
    let calls = 0;
    let tagCalls = 0;
    const counting = { ...withWriter };
    if (withWriter.tableRows !== undefined) {
      const rows = withWriter.tableRows;
      counting.tableRows = (...args) => {
        calls++;
        rows(...args);
      };
    }
    if (withWriter.tagKeys !== undefined) {
      const tag = withWriter.tagKeys;
      counting.tagKeys = (...args) => {
        tagCalls++;
        tag(...args);
      };
    }
    const io = { stdout: { fd, writableLength: 0, write: () => true }, stderr: { write: () => true } };
    await printColumns(await listing(), view, { ...io, isTTY: false, columns: undefined, env: {} }, order, counting);
    closeSync(fd);
    return { text: readFileSync(file).toString(), calls, tagCalls };
  }

  const views: [string, SnapshotView, number[] | undefined][] = [
    [
      'ls -tuanp',
      {
        format: 'table',
        fields: ['netid', 'state', 'recv-q', 'send-q', 'local', 'peer', 'users'],
        header: true,
        style: { numeric: true },
        details: [],
      },
      undefined,
    ],
    [
      'service names, no header',
      {
        format: 'table',
        fields: ['proto', 'local', 'peer', 'recv-q'],
        header: false,
        style: { numeric: false },
        details: [],
      },
      undefined,
    ],
    [
      "who's fields and order",
      {
        format: 'table',
        fields: ['proto', 'state', 'local', 'peer', 'pid', 'user', 'unit', 'command'],
        header: true,
        style: { numeric: true },
        details: [],
      },
      Array.from({ length: 500 }, (_v, i) => (ROWS - 1 - i * 5) % ROWS),
    ],
  ];
  for (const [name, view, order] of views) {
    it(`${name}: the same bytes, the rows written by the addon`, async () => {
      const native = await printed(view, writer ?? {}, order);
      const typescript = await printed(view, {}, order);
      expect(native.text).toBe(typescript.text);
      expect(native.calls).toBeGreaterThan(0);
      expect(native.text.split('\n').length).toBeGreaterThan(order?.length ?? ROWS);
    });
  }

  it.skipIf(writer?.tagKeys === undefined || writer.tableNumbers !== true)(
    "the users column's fds become number pieces by the addon's tagKeys, the writer's as given",
    async () => {
      const native = await printed(views[0]?.[1] as SnapshotView, writer ?? {});
      expect(native.tagCalls).toBe(1);
    },
  );

  it('what the listing holds shows in the rows: `*:`, brackets, queues past 65,535, two fds, no owner', async () => {
    const { text } = await printed(views[0]?.[1] as SnapshotView, writer ?? {});
    expect(text).toMatch(/\*:\d+ /);
    expect(text).toContain('[::1]:');
    expect(text).toMatch(/ 7\d{4} /);
    expect(text).toMatch(new RegExp(`pid=${String(process.pid)},fd=\\d+\\),\\(`)); // two fds: fd=a),(...
    expect(text).toMatch(/^udp +UNCONN +\d+ +\d+ +\S+ +\S+$/m); // no owner: nothing after the peer
  });
});
