import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableWriter } from '../../src/cli/render/column-table.js';
import { printColumns } from '../../src/cli/render/columns.js';

import type { SnapshotView } from '../../src/cli/render/sockets.js';
import { layoutOfWidths, type Column } from '../../src/cli/render/table.js';
import { parseFilter } from '../../src/index.js';
import { readSocketColumns } from '../../src/inventory/linux/read-columns.js';
import { rowsOf, tableOf, writer as sharedWriter } from '../helpers/table-pieces.js';

// A local binding, so that a test's `if (writer === undefined) return` narrows it in the closures after.
const writer = sharedWriter;

/** Every row the writer wrote from `from` in one call into `room` bytes, and where it stopped. */
function write(
  t: ReturnType<typeof tableOf>,
  widths: number[],
  right: boolean[],
  from: number,
  to: number,
  room = 1 << 20,
) {
  const out = Buffer.alloc(room);
  const state = new Uint32Array(2);
  const { bytes, starts, plain } = t.encoded;
  const rightBytes = Uint8Array.from(right, (r) => (r ? 1 : 0));
  writer?.tableRows(bytes, starts, plain, t.ids, Uint32Array.from(widths), rightBytes, from, to, out, state);
  return { text: out.subarray(0, state[1]).toString('latin1'), next: state[0] };
}

describe.skipIf(writer === undefined)('the native table writer (native/table.c)', () => {
  for (const lastRight of [false, true]) {
    it(`writes the lines TableLayout.line gives, last column ${lastRight ? 'right' : 'left'}-aligned`, () => {
      const rows = rowsOf(400, 4);
      const t = tableOf(rows);
      const columns: Column[] = ['A', 'B', 'C', 'D'].map((header, k) => ({
        header,
        align: k === 1 || (k === 3 && lastRight) ? 'right' : 'left',
      }));
      const measured = new Uint32Array(lastRight ? 4 : 3);
      writer?.tableWidths(t.encoded.lengths, t.ids, rows.length, measured);
      const cells = rows.map((row) => row.map(([head, tail]) => head + tail));
      const widest = columns.map((_c, k) => Math.max(0, ...cells.map((row) => (row[k] ?? '').length)));
      expect([...measured]).toEqual(widest.slice(0, measured.length));
      const layout = layoutOfWidths(columns, [...measured, ...(lastRight ? [] : [Infinity])], {
        header: false,
        width: undefined,
      });
      const widths = layout.widths.map((w) => (Number.isFinite(w) ? w : 0));
      const all = write(
        t,
        widths,
        columns.map((c) => c.align === 'right'),
        0,
        rows.length,
      );
      expect(all.next).toBe(rows.length);
      expect(all.text).toBe(cells.map((row) => `${layout.line(row)}\n`).join(''));
      // Some rows end in spaces or an empty cell: what the writer trims.
      expect(cells.filter((row) => /(^| )$/.test(row.at(-1) ?? '')).length).toBeGreaterThan(10);
    });
  }

  it('stops before a row that does not fit, has a piece that is not printable ASCII, or is wider than its column', () => {
    const t = tableOf([
      [
        ['ab', ''],
        ['1', ''],
      ],
      [
        ['abc', ''],
        ['22', ''],
      ],
      [
        ['é', ''],
        ['3', ''],
      ],
      [
        ['d', ''],
        ['4444', ''],
      ],
    ]);
    const right = [false, true];
    expect(write(t, [3, 3], right, 0, 4)).toEqual({ text: 'ab     1\nabc   22\n', next: 2 });
    expect(write(t, [3, 3], right, 2, 4)).toEqual({ text: '', next: 2 }); // é: the caller lays it out
    expect(write(t, [3, 3], right, 3, 4)).toEqual({ text: '', next: 3 }); // 4444 in a column of 3
    expect(write(t, [3, 4], right, 3, 4)).toEqual({ text: 'd    4444\n', next: 4 });
    expect(write(t, [3, 3], right, 0, 4, 12)).toEqual({ text: 'ab     1\n', next: 1 }); // the second needs 9 more
  });

  it('refuses piece numbers out of range and arrays shorter than the rows (EINVAL), writing nothing', () => {
    const t = tableOf([[['a', 'b']], [['c', 'd']]]);
    const bad = t.ids.map((a) => a.slice());
    (bad[0] as Uint32Array)[1] = t.pieces.texts.length;
    const args = (ids: (Uint32Array | null)[], to: number) => {
      const { bytes, starts, plain } = t.encoded;
      const out = Buffer.alloc(64);
      const state = new Uint32Array(2);
      return () => {
        writer?.tableRows(bytes, starts, plain, ids, Uint32Array.of(4), Uint8Array.of(0), 0, to, out, state);
      };
    };
    expect(args(bad, 2)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(args(t.ids, 3)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(args([t.ids[0] ?? null], 2)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => writer?.tableWidths(t.encoded.lengths, bad, 2, new Uint32Array(1))).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(args(t.ids, 2)).not.toThrow();
  });
});

describe.skipIf(writer === undefined || process.getuid?.() !== 0)('printColumns with the native table writer', () => {
  let fixture: ChildProcess | undefined;
  let info = { port: 0, parent: 0, child: 0 };
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ps-column-table-'));
    fixture = spawn('python3', [join(import.meta.dirname, '../helpers/column-table-owners.py')], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const [line] = (await once(fixture.stdout ?? fixture, 'data')) as [Buffer];
    info = JSON.parse(line.toString()) as typeof info;
  });

  afterAll(() => {
    fixture?.stdin?.end();
    fixture?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const view: SnapshotView = {
    format: 'table',
    fields: ['state', 'recv-q', 'send-q', 'local', 'peer', 'users', 'pid'],
    header: true,
    style: { numeric: true },
    details: [],
  };

  /** The listing of the fixture's port printed to a file through `with` (undefined: no native writer), and the calls made. */
  async function printed(withWriter: Partial<TableWriter>, port = info.port, fields = view.fields): Promise<Buffer> {
    const listed = await readSocketColumns({
      protocols: ['tcp'],
      filter: parseFilter(`sport = :${String(port)}`),
      owners: true,
      details: false,
      netns: 'host',
    });
    if (!('columns' in listed)) throw new Error(`no columns: ${listed.fallback}`);
    const file = join(dir, `out-${String(Math.random()).slice(2)}`);
    const fd = openSync(file, 'w');
    const io = {
      stdout: { fd, writableLength: 0, write: () => true },
      stderr: { write: () => true },
      isTTY: false,
      columns: undefined,
      env: {},
    };
    await printColumns(listed, { ...view, fields }, io, undefined, withWriter);
    closeSync(fd);
    return readFileSync(file);
  }

  it('prints the bytes of the rows made in TypeScript, leaving it the rows it cannot copy', async () => {
    const calls = { rows: 0, bytes: 0 };
    if (writer === undefined) return;
    const counting: TableWriter = {
      ...writer,
      tableWidths: (...args) => {
        writer.tableWidths(...args);
      },
      tableRows: (...args) => {
        writer.tableRows(...args);
        calls.rows++;
        calls.bytes += args[9][1] ?? 0;
      },
    };
    const native = await printed(counting);
    const inTypeScript = await printed({});
    expect(native.toString()).toBe(inTypeScript.toString());
    const text = native.toString();
    // 13 rows: the listener (both processes: two owners), 6 the child holds (one through two fds), 6 the parent.
    expect(text.trim().split('\n')).toHaveLength(14);
    expect(text).toContain(`users:(("pórt✓",pid=${String(info.parent)},fd=`);
    expect(text).toContain(`users:(("python3",pid=${String(info.child)},fd=`);
    expect(text).toMatch(
      /users:\(\("python3",pid=\d+,fd=\d+\),\("pórt✓"|users:\(\("pórt✓",pid=\d+,fd=\d+\),\("python3"/,
    );
    // The child's rows went through the writer; the parent's (not ASCII) were laid out here, one call each.
    expect(calls.bytes).toBeGreaterThan(0);
    expect(calls.rows).toBeGreaterThan(6);
  });

  it('a table with no rows: its header alone, as in TypeScript', async () => {
    // A port this test bound and closed: no socket has it.
    const server = net.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    server.close();
    await once(server, 'close');
    const native = await printed(writer ?? {}, port);
    expect(native.toString()).toBe((await printed({}, port)).toString());
    expect(native.toString()).toMatch(/^State +Recv-Q +Send-Q +Local Address:Port +Peer Address:Port +Process +PID\n$/);
  });

  it('fields whose cells do not number their texts (inode): printed in TypeScript, the writer not called', async () => {
    const calls = { rows: 0 };
    const counting = writer && {
      ...writer,
      tableRows: (...args: Parameters<TableWriter['tableRows']>) => {
        calls.rows++;
        writer.tableRows(...args);
      },
    };
    const withInode = await printed(counting ?? {}, info.port, ['local', 'inode', 'users']);
    expect(withInode.toString()).toBe((await printed({}, info.port, ['local', 'inode', 'users'])).toString());
    expect(withInode.toString().trim().split('\n')).toHaveLength(14);
    expect(calls.rows).toBe(0);
  });
});
