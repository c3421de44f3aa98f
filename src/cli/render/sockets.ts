import type { Owner, Snapshot, SnapshotWarning, Socket } from '../../model/index.js';
import { colorsFor, type CliIo } from '../io.js';
import { ChunkedOutput } from './chunked-output.js';
import { csvLine } from './csv.js';
import type { EndpointStyle } from './format.js';
import type { Format } from './output.js';
import { sameOwnerFacts, socketFields } from './socket-columns.js';
import { writeJsonDocument } from './json-stream.js';
import { tableLayout } from './table.js';

/** How to print a snapshot. */
export interface SnapshotView {
  readonly format: Format;
  readonly fields: readonly string[];
  readonly header: boolean;
  readonly style: EndpointStyle;
  /** Map an address to a name (`-r`), or undefined to leave addresses as they are. */
  readonly names?: ReadonlyMap<string, string>;
  /** Also print informational warnings (`NETNS_GONE`). @default false */
  readonly verbose?: boolean;
  /**
   * Fields printed (table only) on a line of their own below each socket's row, after a tab and a space, joined
   * with spaces, as ss prints `-i` and `-m` unless `-O`. A socket with none of them gets no such line.
   */
  readonly details?: readonly (readonly string[])[];
}

/** Warnings that report no problem, only churn: printed with --verbose only (always in --json). */
const QUIET_WARNINGS = new Set(['NETNS_GONE', 'SOURCE']);

function withNames(socket: Socket, names: ReadonlyMap<string, string>): Socket {
  const rename = (address: string) => names.get(address) ?? address;
  return {
    ...socket,
    local: { ...socket.local, address: rename(socket.local.address) },
    peer: { ...socket.peer, address: rename(socket.peer.address) },
  };
}

/** Writes a snapshot's warnings to stderr, one line each, those of QUIET_WARNINGS with `view.verbose` only. */
export function printWarnings(warnings: readonly SnapshotWarning[], view: SnapshotView, io: CliIo): void {
  for (const w of warnings) {
    if (view.verbose === true || !QUIET_WARNINGS.has(w.code)) io.stderr.write(`portscope: ${w.message}\n`);
  }
}

/**
 * Writes a snapshot to stdout in chunks (never the whole text as one string): `json` prints the Snapshot
 * exactly as `JSON.stringify(snapshot, null, 2)` would, `ndjson` one Socket per line, `table` and `csv` the
 * chosen fields. Warnings go to stderr, one line each (`NETNS_GONE` with `verbose` only).
 */
export async function printSnapshot(snapshot: Snapshot, view: SnapshotView, io: CliIo): Promise<void> {
  printWarnings(snapshot.warnings, view, io);
  const out = new ChunkedOutput(io.stdout);
  if (view.format === 'json') await writeJsonDocument(snapshot, out);
  else if (view.format === 'ndjson') {
    for (const s of snapshot.sockets) if (out.add(`${JSON.stringify(s)}\n`)) await out.flush();
  } else await writeRows(snapshot, view, io, out);
  await out.flush();
}

async function writeRows(snapshot: Snapshot, view: SnapshotView, io: CliIo, out: ChunkedOutput): Promise<void> {
  const colors = colorsFor(io);
  const all = socketFields(colors);
  const fields = view.fields.flatMap((name) => all[name] ?? []);
  const { names } = view;
  const netnsNames = new Map<number, string>();
  for (const n of snapshot.namespaces) if (n.name !== undefined) netnsNames.set(n.netns, n.name);
  const style = { ...view.style, netnsNames };
  // The cells of the last single owner, reused while the next sockets have the same one (a port held by one
  // process with thousands of connections): those fields' labels cost more than the rest of the row.
  let last: { owner: Owner; cells: string[] } | undefined;
  const rows = snapshot.sockets.map((socket) => {
    const s = names === undefined ? socket : withNames(socket, names);
    const owner = s.owners.length === 1 ? s.owners[0] : undefined;
    const reuse = owner !== undefined && last !== undefined && sameOwnerFacts(owner, last.owner) ? last : undefined;
    const cells = fields.map((f, i) =>
      reuse !== undefined && f.ofOwner === true ? (reuse.cells[i] ?? '') : f.value(s, style),
    );
    if (owner !== undefined && reuse === undefined) last = { owner, cells };
    return cells;
  });
  if (view.format === 'csv') {
    out.add(csvLine(view.fields));
    for (const row of rows) if (out.add(csvLine(row))) await out.flush();
    return;
  }
  const layout = tableLayout(fields, rows, { header: view.header, width: io.columns, paintHeader: colors.underline });
  if (layout.header !== undefined) out.add(`${layout.header}\n`);
  const details = (view.details ?? []).map((line) => line.flatMap((name) => all[name] ?? []));
  for (let i = 0; i < rows.length; i++) {
    out.add(`${layout.line(rows[i] ?? [])}\n`);
    const socket = snapshot.sockets[i] as Socket;
    for (const line of details) {
      const text = line.map((f) => f.value(socket, view.style)).filter((t) => t !== '');
      // ss starts each -i/-m item with a space, but not its `inet-sockopt: (` line.
      if (text.length > 0) out.add(`\t${text[0]?.startsWith('inet-sockopt') === true ? '' : ' '}${text.join(' ')}\n`);
    }
    if (out.add('')) await out.flush();
  }
}
