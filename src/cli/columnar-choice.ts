import { PortscopeError } from '../errors.js';
import type { CliIo } from './io.js';
import { COLUMN_FIELDS } from './render/columns.js';
import type { SnapshotView } from './render/sockets.js';

// Apart from ls-columnar.ts (which prints ls's JSON from columns too), so that `who` (who-listing.ts), which
// asks the same question, loads nothing of ls's printing.

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
  if (switchSetting(io, 'PORTSCOPE_COLUMNAR') === '0') return 'PORTSCOPE_COLUMNAR=0';
  if (flags.needsObjects || view.names !== undefined) return '-K, -T or -r';
  const rows = view.format === 'table' || view.format === 'csv';
  if (rows && !view.fields.every((f) => COLUMN_FIELDS.has(f))) return 'a field the columns do not hold';
  return (view.details ?? []).length > 0 ? 'detail lines' : undefined;
}

/**
 * Refuses a PORTSCOPE_PREFETCH other than empty, 0 or 1: bin/portscope.js's prefetch (src/cli/prefetch.ts) reads
 * it for `ls` and `who`, and starts nothing for a bad value, so that these verbs say so.
 * @throws PortscopeError `INVALID_ARGUMENT` for any other value.
 */
export function checkPrefetchSetting(io: CliIo): void {
  switchSetting(io, 'PORTSCOPE_PREFETCH');
}

/**
 * The value of the on/off environment variable `name`: empty (unset), `0` or `1`.
 * @throws PortscopeError `INVALID_ARGUMENT` for any other value (one that would silently mean "on").
 */
function switchSetting(io: CliIo, name: 'PORTSCOPE_COLUMNAR' | 'PORTSCOPE_PREFETCH'): '' | '0' | '1' {
  const value = io.env[name] ?? '';
  if (value === '' || value === '0' || value === '1') return value;
  throw new PortscopeError('INVALID_ARGUMENT', `Expected ${name} to be 0 or 1, got \`${value}\``);
}
