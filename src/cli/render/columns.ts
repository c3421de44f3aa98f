import type { ColumnsListing } from '../../inventory/linux/read-columns.js';
import type { Socket } from '../../model/index.js';
import { columnFamily, columnState, COLUMN_PROTOCOLS } from '../../inventory/linux/socket-columns.js';
import { nativeAddon } from '../../inventory/linux/native.js';
import { colorsFor, type CliIo } from '../io.js';
import { ChunkedOutput } from './chunked-output.js';
import { columnCell, constantCell } from './column-cells.js';
import { writeTableNative, type NumberedCell, type TableWriter } from './column-table.js';
import { csvLine } from './csv.js';
import { ownerCell } from './owner-cells.js';
import { Pieces } from './pieces.js';
import { socketFields } from './socket-columns.js';
import { printWarnings, type SnapshotView } from './sockets.js';
import { layoutOfWidths } from './table.js';

/** The fields a listing in columns can print: those whose text depends only on what the columns hold. */
export const COLUMN_FIELDS: ReadonlySet<string> = new Set([
  'netid',
  'proto',
  'state',
  'recv-q',
  'send-q',
  'local',
  'peer',
  'address',
  'port',
  'service',
  'uid',
  'inode',
  'netns',
  // From the owners (ColumnOwners), when the listing asked for them; empty otherwise, as on the objects.
  'process',
  'users',
  'pid',
  'user',
  'unit',
  'command',
]);

/** The fields of {@link COLUMN_FIELDS} whose text comes from the row's owners. */
const OWNER_FIELDS: ReadonlySet<string> = new Set(['process', 'users', 'pid', 'user', 'unit', 'command']);

type Listed = Pick<Extract<ColumnsListing, { columns: unknown }>, 'columns' | 'namespaces' | 'owners'>;

/**
 * One mutable Socket that takes the values of row after row, so that the object path's own field functions
 * (socket-columns.ts) give each cell: the same text by construction, with no object per socket. Its owners
 * (when listed) are shared by the rows of their process: valid until the next load; `load(row, false)` leaves
 * them as they were (for fields that do not print them: the join by inode is a row's largest cost).
 */
export function rowCursor(listed: Listed): { socket: Socket; load: (row: number, owners?: boolean) => void } {
  const c = listed.columns;
  const local = { address: '', port: 0 };
  const peer = { address: '', port: 0 };
  const row = {
    ...{ protocol: 'tcp', family: 'inet', state: 'UNCONN', local, peer, recvQ: 0, sendQ: 0, inode: 0, uid: 0 },
    ...{ netns: 0, owners: [], ownerStatus: 'not-requested', v6only: undefined as boolean | undefined },
  };
  const socket = row as unknown as Socket;
  const load = (i: number, owners = true) => {
    const protocol = c.protocol[i] ?? 0;
    row.protocol = COLUMN_PROTOCOLS[protocol] ?? 'tcp';
    row.family = columnFamily(c.family[i] ?? 4);
    row.state = columnState(protocol, c.state[i] ?? 0) ?? 'UNCONN';
    local.address = c.strings[c.localAddress[i] ?? 0] ?? '';
    local.port = c.localPort[i] ?? 0;
    peer.address = c.strings[c.peerAddress[i] ?? 0] ?? '';
    peer.port = c.peerPort[i] ?? 0;
    row.recvQ = c.recvQ[i] ?? 0;
    row.sendQ = c.sendQ[i] ?? 0;
    row.inode = c.inode[i] ?? 0;
    row.uid = c.uid[i] ?? 0;
    row.netns = c.netns[i] ?? 0;
    const v6only = c.v6only[i] ?? -1;
    row.v6only = v6only < 0 ? undefined : v6only === 1;
    if (owners) listed.owners?.load(i, socket);
  };
  return { socket, load };
}

/** `writer` when it has every function of the table writer (an addon built before some of them has not). */
function complete(writer: Partial<TableWriter> | undefined): TableWriter | undefined {
  if (writer === undefined) return undefined;
  const { tableWidths, tableRows, columnKeys, missingKeys, numberKeys, tableNumbers, tagKeys } = writer;
  if (!tableWidths || !tableRows || !columnKeys || !missingKeys || !numberKeys) return undefined;
  return {
    tableWidths,
    tableRows,
    columnKeys,
    missingKeys,
    numberKeys,
    ...(tableNumbers === undefined ? {} : { tableNumbers }),
    ...(tagKeys === undefined ? {} : { tagKeys }),
  };
}

/**
 * Prints a listing read in columns as printSnapshot prints the same sockets as objects, byte for byte: its
 * warnings to stderr, then a table (measured in a first pass over the rows, printed in a second) or CSV, of
 * `view.fields` (all in {@link COLUMN_FIELDS}; no `names`, no detail lines), in chunks; the rows in `order`
 * (row numbers: all or some of them) when given, else as read. A plain table (no width to fit, no colour) to
 * a file descriptor is written by the addon's table writer when `writer` has it (column-table.ts; default:
 * the loaded addon's). Returns the number of rows printed.
 */
export async function printColumns(
  listed: Listed,
  view: SnapshotView,
  io: CliIo,
  order?: ArrayLike<number>,
  writer: Partial<TableWriter> | undefined = nativeAddon(),
): Promise<number> {
  printWarnings(listed.owners?.warnings ?? [], view, io);
  const colors = colorsFor(io);
  const all = socketFields(colors);
  const fields = view.fields.flatMap((name) => all[name] ?? []);
  const netnsNames = new Map<number, string>();
  for (const n of listed.namespaces) if (n.name !== undefined) netnsNames.set(n.netns, n.name);
  const style = { ...view.style, netnsNames };
  const { socket, load } = rowCursor(listed);
  const count = order === undefined ? listed.columns.length : order.length;
  const out = new ChunkedOutput(io.stdout);
  const plain = io.columns === undefined && !colors.isColorSupported;
  // A row's cells, each as two pieces (ColumnCell's head and tail; the tail '' for a cell made whole).
  const cells: string[] = fields.map(() => '');
  const tails: string[] = fields.map(() => '');
  const joined = () => cells.map((head, k) => head + (tails[k] ?? ''));
  // Cells read straight from the columns where a field has one (column-cells.ts, owner-cells.ts), else through
  // the cursor; with `pieces`, each numbering its texts for the addon's table writer.
  const cellsOf = (pieces: Pieces | undefined) =>
    view.fields.flatMap((name) => {
      const field = all[name];
      if (field === undefined) return [];
      // Without owners listed, an owner field's text is that of no owner: the same on every row.
      if (listed.owners === undefined && OWNER_FIELDS.has(name))
        return [constantCell(field.value(socket, style), pieces)];
      const cell = columnCell(name, listed.columns, listed.owners, style, pieces);
      return [cell ?? ownerCell(field, listed.owners, style, pieces)];
    });
  // The addon's table writer takes a plain table to a file descriptor, of 1 to 64 columns, whose every cell
  // numbers its texts (fillIds: else a text a row would be kept, as `inode` or `netns` would make).
  const native = complete(writer);
  const pieces =
    view.format !== 'csv' && plain && out.direct && native && fields.length > 0 && fields.length <= 64
      ? new Pieces(native)
      : undefined;
  const numbered = pieces && cellsOf(pieces);
  const numberedCells = numbered?.every((cell): cell is NumberedCell => cell?.fillIds !== undefined)
    ? numbered
    : undefined;
  const fast = numberedCells ?? cellsOf(undefined);
  // Whether the first `upTo` fields print owners: the measuring pass of a table often does not (`users` last).
  const ownersIn = [...fields.keys(), fields.length].map((upTo) =>
    view.fields.slice(0, upTo).some((name) => OWNER_FIELDS.has(name)),
  );
  /** Sets cells[k] to the text (or, with `widths`, widest[k] to the widest length) of fields 0 to upTo - 1. */
  const fill = (i: number, upTo: number, widths?: number[]) => {
    const row = order === undefined ? i : (order[i] ?? 0);
    let loaded = false;
    for (let k = 0; k < upTo; k++) {
      const cell = fast[k];
      let length = widths === undefined ? undefined : cell?.width(row);
      if (length === undefined) {
        const head = widths === undefined ? cell?.head(row) : undefined;
        let text = head;
        if (head === undefined) {
          if (!loaded) load(row, ownersIn[upTo]);
          loaded = true;
          text = fields[k]?.value(socket, style) ?? '';
        }
        cells[k] = text ?? '';
        tails[k] = head === undefined ? '' : (cell?.tail(row) ?? '');
        length = (cells[k]?.length ?? 0) + (tails[k]?.length ?? 0);
      }
      if (widths !== undefined && length > (widths[k] ?? 0)) widths[k] = length;
    }
  };
  if (numberedCells && pieces && native) {
    const table = { fields, fast: numberedCells, pieces, count, order, socket, load, style, header: view.header };
    await writeTableNative({ ...table, owners: ownersIn[fields.length] === true }, native, out);
    return count;
  }
  if (view.format === 'csv') {
    out.add(csvLine(view.fields));
    for (let i = 0; i < count; i++) {
      fill(i, fields.length);
      if (out.add(csvLine(joined()))) await out.flush();
    }
  } else {
    const widest = fields.map(() => 0);
    // With no width to fit, a last left-aligned column is not padded: as wide as any of its cells (never cut),
    // they (owners' `users:` lists, command lines) need not be made twice.
    const measured = io.columns === undefined && fields.at(-1)?.align !== 'right' ? fields.length - 1 : fields.length;
    if (measured < fields.length) widest[measured] = Infinity;
    for (let i = 0; i < count; i++) fill(i, measured, widest);
    const layout = layoutOfWidths(fields, widest, {
      header: view.header,
      width: io.columns,
      paintHeader: colors.underline,
    });
    if (layout.header !== undefined) out.add(`${layout.header}\n`);
    // Nothing to cut or paint: rows can go into the output's buffer as bytes (ChunkedOutput.addRow).
    const right = fields.map((f) => f.align === 'right');
    for (let i = 0; i < count; i++) {
      fill(i, fields.length);
      const full = plain ? out.addRow(cells, tails, layout.widths, right) : undefined;
      if (full ?? out.add(`${layout.line(joined())}\n`)) await out.flush();
    }
  }
  await out.flush();
  return count;
}
