import { readSocketColumns } from '../../inventory/linux/read-columns.js';
import type { PortTarget } from '../../ports/target.js';
import { whoListOptions, whoOrder, whoOwns, whoResult, type WhoOwnsOptions } from '../../ports/who-owns.js';
import { columnarRefusal } from '../columnar-choice.js';
import type { CliIo } from '../io.js';
import { printColumns, rowCursor } from '../render/columns.js';
import type { Format } from '../render/output.js';
import { printSnapshot, type SnapshotView } from '../render/sockets.js';

/** What `who` found, ready to print either way (from columns or from Socket objects). */
export interface WhoListing {
  /** Rows to print: the sockets on the port (of the host, when the target names one). */
  readonly count: number;
  /** Some row lives in a network namespace other than this process's. */
  readonly foreign: boolean;
  /** Prints the rows, warnings first, as printSnapshot prints whoOwns' result. */
  print(view: SnapshotView): Promise<void>;
}

/**
 * Reads `who`'s sockets on `target` (whoOwns' listing: whoListOptions) for a table or CSV of `fields` (when
 * chosen; else who's own, all in COLUMN_FIELDS): in columns, rows in whoOrder and printed by printColumns,
 * when columnarRefusal and readSocketColumns allow; else as whoOwns' Socket objects (JSON and NDJSON always:
 * whoOwns' Snapshot with its `target`), printed by printSnapshot. The same bytes either way.
 * @throws PortscopeError as whoOwns (`NOT_FOUND`, `UNSUPPORTED_PLATFORM`...); `INVALID_ARGUMENT` for a PORTSCOPE_COLUMNAR
 *   other than empty, 0 or 1 (columnarRefusal).
 */
export async function readWho(
  target: PortTarget,
  options: WhoOwnsOptions,
  shape: { readonly format: Format; readonly fields: readonly string[] | undefined },
  io: CliIo,
): Promise<WhoListing> {
  // Asked in every format, as ls asks it: PORTSCOPE_COLUMNAR is checked (and a bad value refused) for JSON too.
  const view = { format: shape.format, fields: shape.fields ?? [], header: true, style: { numeric: true } };
  const refused =
    columnarRefusal(view, { needsObjects: false }, io) !== undefined ||
    (shape.format !== 'table' && shape.format !== 'csv');
  const listed = refused ? undefined : await readSocketColumns(whoListOptions(target, options));
  if (listed === undefined || 'fallback' in listed) {
    const result = listed === undefined ? await whoOwns(target, options) : whoResult(await listed.list(), target);
    const ours = result.namespaces.find((n) => n.isHost)?.netns;
    return {
      count: result.sockets.length,
      foreign: result.sockets.some((s) => s.netns !== ours),
      print: (v) => printSnapshot(result, v, io),
    };
  }
  const { socket, load } = rowCursor(listed);
  const order = whoOrder(
    listed.columns.length,
    (i) => {
      load(i, false);
      return socket;
    },
    target.host,
  );
  const ours = listed.snapshot.namespaces.find((n) => n.isHost)?.netns;
  return {
    count: order.length,
    foreign: order.some((i) => listed.columns.netns[i] !== ours),
    print: async (v) => {
      await printColumns(listed, v, io, order);
    },
  };
}
