import type { NativeAddon } from '../../inventory/linux/native.js';
import type { Socket } from '../../model/index.js';
import type { ChunkedOutput } from './chunked-output.js';
import { UNHANDLED, type ColumnCell } from './column-cells.js';
import type { EndpointStyle } from './format.js';
import type { KeyNumbering, Pieces } from './pieces.js';
import type { SocketField } from './socket-columns.js';
import { layoutOfWidths } from './table.js';

/** A cell that numbers its texts for the writer (made with a Pieces). */
export type NumberedCell = ColumnCell & Required<Pick<ColumnCell, 'fillIds'>>;

/** The addon's table writer (native/table.c) and key numbering (native/table-keys.c). */
export type TableWriter = Required<Pick<NativeAddon, 'tableWidths' | 'tableRows'>> & KeyNumbering;

/** A plain table of a listing in columns, as printColumns has set it up for {@link writeTableNative}. */
export interface NativeTable {
  readonly fields: readonly SocketField[];
  /** Each field's cell read from the columns, made with `pieces`: every one numbers its texts. */
  readonly fast: readonly NumberedCell[];
  readonly pieces: Pieces;
  /** Rows to print, and the row number of each (all of them in order when `order` is undefined). */
  readonly count: number;
  readonly order: ArrayLike<number> | undefined;
  /** The row cursor (rowCursor) that gives the other cells through the fields' functions. */
  readonly socket: Socket;
  readonly load: (row: number, owners?: boolean) => void;
  /** Whether the fields print owners (the cursor then loads them). */
  readonly owners: boolean;
  readonly style: EndpointStyle;
  readonly header: boolean;
}

/** Bytes the writer fills per call: large enough to cost few calls and writes. */
const OUT_BYTES = 256 * 1024;

/**
 * Prints a plain table (no width to fit, no colour) of a listing in columns with the addon's table writer,
 * as printColumns's own rows would print it, byte for byte: each cell's text numbered in `table.pieces`
 * (its cell's ids, or the field's function through the cursor for the rows the cell leaves), the columns'
 * widths measured from those numbers, then the rows written as bytes in native/table.c. A row that the
 * writer leaves (a text that is not printable ASCII, a row larger than its buffer) is printed by the table
 * layout here. For tables whose every cell has its numbers (ColumnCell.fillIds), of 1 to 64 columns: see
 * printColumns. Memory: 4 bytes per cell piece (a head, and a tail where the cell has one) per row, and the
 * texts the cells make (those of keys, processes, and rows of several owners).
 */
export async function writeTableNative(table: NativeTable, writer: TableWriter, out: ChunkedOutput): Promise<void> {
  const { fields, fast, pieces, count, socket, load, style } = table;
  const order = table.order === undefined ? undefined : Uint32Array.from(table.order);
  const ids = fields.flatMap((_f, k) => [
    new Uint32Array(count),
    fast[k]?.tails === true ? new Uint32Array(count) : null,
  ]);
  // Each cell's numbers in a loop of its own, then the rows the cells left through the cursor.
  const left: number[] = [];
  for (let k = 0; k < fields.length; k++) {
    if (fast[k]?.fillIds(count, order, ids[2 * k] as Uint32Array, ids[2 * k + 1] ?? null) === true) left.push(k);
  }
  // Found by the typed arrays' own search: a loop over every row here, run once and so not yet compiled,
  // cost ~8 ms at 100k rows for the few rows left (a socket of several owners, or of none).
  let loaded = -1;
  for (const k of left) {
    const heads = ids[2 * k] as Uint32Array;
    for (let i = heads.indexOf(UNHANDLED); i >= 0 && i < count; i = heads.indexOf(UNHANDLED, i + 1)) {
      if (loaded !== i) load(order === undefined ? i : (order[i] ?? 0), table.owners);
      loaded = i;
      heads[i] = pieces.of(fields[k]?.value(socket, style) ?? '');
    }
  }
  const encoded = pieces.encode();
  // The piece after each cell's number pieces (NUMBER_PIECE), for an addon that takes them (Pieces.numberPieces).
  const suffixes = pieces.numberPieces ? Uint32Array.from(fast, (cell) => cell.suffix ?? 0) : undefined;
  // With no width to fit, a last left-aligned column is not padded, so not measured (as printColumns).
  const measured = fields.at(-1)?.align !== 'right' ? fields.length - 1 : fields.length;
  const widths = new Uint32Array(measured);
  writer.tableWidths(encoded.lengths, ids, count, widths, suffixes);
  const widest = fields.map((_f, k) => (k < measured ? (widths[k] ?? 0) : Infinity));
  const layout = layoutOfWidths(fields, widest, { header: table.header, width: undefined });
  if (layout.header !== undefined) out.add(`${layout.header}\n`);
  const padTo = Uint32Array.from(layout.widths, (w) => (Number.isFinite(w) ? w : 0));
  const right = Uint8Array.from(fields, (f) => (f.align === 'right' ? 1 : 0));
  const buffer = Buffer.allocUnsafe(OUT_BYTES);
  const state = new Uint32Array(2);
  let next = 0;
  while (next < count) {
    state.fill(0);
    writer.tableRows(
      encoded.bytes,
      encoded.starts,
      encoded.plain,
      ids,
      padTo,
      right,
      next,
      count,
      buffer,
      state,
      suffixes,
    );
    const [stopped = count, used = 0] = state;
    if (used > 0) {
      out.addBytes(buffer.subarray(0, used));
      await out.flush();
      next = stopped;
      continue;
    }
    // A row the writer leaves: its cells' texts, laid out as printColumns lays out a row it cannot write.
    const cells = fields.map((_f, k) => {
      const suffix = fast[k]?.suffix ?? 0;
      return pieces.text(ids[2 * k]?.[stopped] ?? 0, suffix) + pieces.text(ids[2 * k + 1]?.[stopped] ?? 0, suffix);
    });
    if (out.add(`${layout.line(cells)}\n`)) await out.flush();
    next = stopped + 1;
  }
  await out.flush(); // the rows laid out here, or the header of a table with no rows
}
