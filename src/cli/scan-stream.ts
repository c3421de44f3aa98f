import { shownServiceName, withServiceName } from './render/scan/service-name.js';
import type * as ScanLib from '../scan/index.js';
import type { PortResult, ScanOptions, ScanSummary } from '../scan/index.js';
import type { CliIo } from './io.js';
import { csvLine } from './render/csv.js';

/** The columns of `scan --format csv`. */
export const CSV_HEADERS = [
  'address',
  'hostname',
  'protocol',
  'port',
  'state',
  'reason',
  'rtt_ms',
  'tries',
  'service',
  'banner',
];

/** A port result as a CSV row of {@link CSV_HEADERS}. */
export function csvRow(p: PortResult): string[] {
  return [
    p.address,
    p.hostname ?? '',
    p.protocol,
    String(p.port),
    p.state,
    p.reason,
    p.rttMs === undefined ? '' : String(p.rttMs),
    String(p.tries),
    shownServiceName(p) ?? '',
    p.service?.banner ?? '',
  ];
}

/**
 * Runs a scan and writes each result as it comes, keeping none: `ndjson` (host and port results,
 * then the summary line) or `csv` (the header, then one row per port result), in the scan's
 * order. `openOnly` leaves out ports that are not open. Returns the summary.
 */
export async function streamScan(
  scan: typeof ScanLib.scan,
  targets: readonly string[],
  options: ScanOptions,
  format: 'ndjson' | 'csv',
  openOnly: boolean,
  io: CliIo,
): Promise<ScanSummary> {
  const iterator = scan(targets, options);
  let started = false;
  for (;;) {
    const next = await iterator.next();
    // The CSV header goes out once the scan has started, so a refused scan prints nothing.
    if (format === 'csv' && !started) io.stdout.write(csvLine(CSV_HEADERS));
    started = true;
    if (next.done === true) {
      if (format === 'ndjson') io.stdout.write(`${JSON.stringify({ kind: 'summary', ...next.value })}\n`);
      return next.value;
    }
    const event = next.value;
    if (event.kind === 'port' && openOnly && event.state !== 'open') continue;
    if (format === 'ndjson')
      io.stdout.write(`${JSON.stringify(event.kind === 'port' ? withServiceName(event) : event)}\n`);
    else if (event.kind === 'port') io.stdout.write(csvLine(csvRow(event)));
  }
}
