import { listSockets } from '../../inventory/list-sockets.js';
import type { ListSocketsOptions } from '../../inventory/options.js';
import { readSocketColumns } from '../../inventory/linux/read-columns.js';
import type { SocketColumns } from '../../inventory/linux/socket-columns.js';
import type { Snapshot } from '../../model/index.js';
import type { CliIo } from '../io.js';
import { columnarRefusal, type ColumnarFlags } from '../columnar-choice.js';
import { printColumns } from '../render/columns.js';
import { printColumnsJson } from '../render/columns-json.js';
import type { SnapshotView } from '../render/sockets.js';

/**
 * The one place `ls` (and `portscope` alone) chooses its path, up front: when columnarRefusal and
 * readSocketColumns allow, reads the sockets (and owners) into columns and prints them (the same bytes as the
 * object path: table, CSV, JSON, NDJSON), in the row order `sort` gives when given, and returns how many rows
 * it printed; else prints nothing and returns the listing as Socket objects, for the object path to print: the
 * Snapshot of listSockets(options), which goes on with what the columnar read had started (its owner walk).
 * @throws PortscopeError as listSockets (`INVALID_ARGUMENT`, `NOT_FOUND`...).
 */
export async function printColumnarListing(
  options: ListSocketsOptions,
  view: SnapshotView,
  flags: ColumnarFlags,
  io: CliIo,
  sort?: (columns: SocketColumns) => ArrayLike<number>,
): Promise<number | Snapshot> {
  if (columnarRefusal(view, flags, io) !== undefined) return listSockets(options);
  const listed = await readSocketColumns(options);
  if ('fallback' in listed) return listed.list();
  const order = sort?.(listed.columns);
  // Without the columns' details (never, as ls and listening ask for them with JSON), JSON lists as objects.
  if (view.format === 'json' || view.format === 'ndjson') {
    return (await printColumnsJson(listed, view, io, order)) ?? listSockets(options);
  }
  return printColumns(listed, view, io, order);
}
