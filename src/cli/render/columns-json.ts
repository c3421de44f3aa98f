import type { ColumnsListing } from '../../inventory/linux/read-columns.js';
import type { CliIo } from '../io.js';
import { ChunkedOutput } from './chunked-output.js';
import { jsonRowText } from './json-row-text.js';
import { JsonRows, ROW_DEPTH, writeJsonDocument } from './json-stream.js';
import { printWarnings, type SnapshotView } from './sockets.js';

type Listed = Extract<ColumnsListing, { columns: unknown }>;

/**
 * Prints a listing read in columns with sock_diag's details (ListSocketsOptions `details`, which `ls` sets for
 * JSON) as printSnapshot prints the same sockets as objects, byte for byte: `json` the listing's Snapshot
 * (listed.snapshot, its `sockets` written row by row), `ndjson` one Socket per line; in chunks, the text never
 * one string. Warnings go to stderr first, as there. Returns the number of rows, or undefined (having printed
 * nothing) when the columns lack the details and cannot give the same Sockets. The rows go in `order` (row
 * numbers) when given, else as read.
 */
export async function printColumnsJson(
  listed: Listed,
  view: SnapshotView,
  io: CliIo,
  order?: ArrayLike<number>,
): Promise<number | undefined> {
  const rowText = jsonRowText(listed, view.format === 'json', ROW_DEPTH);
  if (rowText === undefined) return undefined;
  const text = order === undefined ? rowText : (i: number) => rowText(order[i] ?? 0);
  printWarnings(listed.snapshot.warnings, view, io);
  const count = listed.columns.length;
  const out = new ChunkedOutput(io.stdout);
  if (view.format === 'json') {
    await writeJsonDocument({ ...listed.snapshot, sockets: new JsonRows(count, text) }, out);
  } else {
    for (let i = 0; i < count; i++) if (out.add(`${text(i)}\n`)) await out.flush();
  }
  await out.flush();
  return count;
}
