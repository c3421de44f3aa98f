import { PortscopeError } from '../../errors.js';
import { listSockets } from '../../inventory/list-sockets.js';
import type { ListSocketsOptions } from '../../inventory/options.js';
import { readSocketColumns } from '../../inventory/linux/read-columns.js';
import type { SocketColumns } from '../../inventory/linux/socket-columns.js';
import type { Snapshot } from '../../model/index.js';
import type { CliIo } from '../io.js';
import { COLUMN_FIELDS, printColumns } from '../render/columns.js';
import { printColumnsJson } from '../render/columns-json.js';
import type { SnapshotView } from '../render/sockets.js';

/** What of an `ls` besides the listing options decides the path: flags that need `Socket` objects. */
export interface ColumnarFlags {
  /** -K, -T, -r: they work on Socket objects (closing, threads of owners, host names). */
  readonly needsObjects: boolean;
}

/**
 * Why this `ls` prints from Socket objects (listSockets) rather than from columns, or undefined when it can
 * print from columns: PORTSCOPE_COLUMNAR=0, -K/-T/-r, a field outside COLUMN_FIELDS in a table or CSV (JSON and
 * NDJSON print every field of the Socket, from the columns' details), detail lines (-i, -m, --inet-sockopt without
 * -O). The listing options are checked next, by
 * readSocketColumns (protocols, owners, extensions, filter, namespaces read in one BPF pass).
 * @throws PortscopeError `INVALID_ARGUMENT` when PORTSCOPE_COLUMNAR is set to anything but empty, 0 or 1
 *   (as PORTSCOPE_BPF: a value that would silently mean "on" is refused).
 */
export function columnarRefusal(view: SnapshotView, flags: ColumnarFlags, io: CliIo): string | undefined {
  const setting = io.env.PORTSCOPE_COLUMNAR ?? '';
  if (!['', '0', '1'].includes(setting)) {
    throw new PortscopeError('INVALID_ARGUMENT', `Expected PORTSCOPE_COLUMNAR to be 0 or 1, got \`${setting}\``);
  }
  if (setting === '0') return 'PORTSCOPE_COLUMNAR=0';
  if (flags.needsObjects || view.names !== undefined) return '-K, -T or -r';
  const rows = view.format === 'table' || view.format === 'csv';
  if (rows && !view.fields.every((f) => COLUMN_FIELDS.has(f))) return 'a field the columns do not hold';
  return (view.details ?? []).length > 0 ? 'detail lines' : undefined;
}

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
