import type { Snapshot, Socket } from '../../model/index.js';
import { colorsFor, type CliIo } from '../io.js';
import { renderCsv } from './csv.js';
import type { EndpointStyle } from './format.js';
import type { Format } from './output.js';
import { socketFields } from './socket-columns.js';
import { renderTable } from './table.js';

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

/**
 * Writes a snapshot to stdout: `json` prints the Snapshot exactly, `ndjson` one Socket per line,
 * `table` and `csv` the chosen fields. Warnings go to stderr, one line each (`NETNS_GONE` with `verbose` only).
 */
export function printSnapshot(snapshot: Snapshot, view: SnapshotView, io: CliIo): void {
  for (const w of snapshot.warnings) {
    if (view.verbose === true || !QUIET_WARNINGS.has(w.code)) io.stderr.write(`portscope: ${w.message}\n`);
  }
  if (view.format === 'json') {
    io.stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
    return;
  }
  if (view.format === 'ndjson') {
    const lines = snapshot.sockets.map((s) => JSON.stringify(s));
    if (lines.length > 0) io.stdout.write(`${lines.join('\n')}\n`);
    return;
  }
  const colors = colorsFor(io);
  const all = socketFields(colors);
  const fields = view.fields.flatMap((name) => all[name] ?? []);
  const { names } = view;
  const netnsNames = new Map<number, string>();
  for (const n of snapshot.namespaces) if (n.name !== undefined) netnsNames.set(n.netns, n.name);
  const style = { ...view.style, netnsNames };
  const rows = snapshot.sockets.map((socket) => {
    const s = names === undefined ? socket : withNames(socket, names);
    return fields.map((f) => f.value(s, style));
  });
  if (view.format === 'csv') {
    io.stdout.write(renderCsv(view.fields, rows));
    return;
  }
  const table = renderTable(fields, rows, { header: view.header, width: io.columns, paintHeader: colors.underline });
  const details = (view.details ?? []).map((line) => line.flatMap((name) => all[name] ?? []));
  if (details.length === 0 || snapshot.sockets.length === 0) {
    io.stdout.write(table);
    return;
  }
  const lines = table.split('\n');
  const first = view.header ? 1 : 0;
  const out = lines.slice(0, first);
  snapshot.sockets.forEach((socket, i) => {
    out.push(lines[first + i] ?? '');
    for (const line of details) {
      const text = line.map((f) => f.value(socket, view.style)).filter((t) => t !== '');
      // ss starts each -i/-m item with a space, but not its `inet-sockopt: (` line.
      if (text.length > 0) out.push(`\t${text[0]?.startsWith('inet-sockopt') === true ? '' : ' '}${text.join(' ')}`);
    }
  });
  io.stdout.write(`${out.join('\n')}\n`);
}
