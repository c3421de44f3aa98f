import { shownServiceName, withServiceName } from './render/scan/service-name.js';
import type { PortResult, ScanOptions, ScanSummary } from '../scan/index.js';
import type { scanBatches } from '../scan/scan-batches.js';
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
 * Runs a scan and writes its results as they come, keeping none: `ndjson` (host and port results,
 * then the summary line) or `csv` (the header, then one row per port result), in the scan's
 * order, one write per batch the scan hands over (`batches`: scanBatches; a write and an await per
 * result cost a 10,000-port loopback scan ~35 ms). `openOnly` leaves out ports that are not open.
 * Returns the summary.
 */
export async function streamScan(
  batches: typeof scanBatches,
  targets: readonly string[],
  options: ScanOptions,
  format: 'ndjson' | 'csv',
  openOnly: boolean,
  io: CliIo,
): Promise<ScanSummary> {
  const iterator = batches(targets, options);
  let started = false;
  try {
    for (;;) {
      const next = await iterator.next();
      // The CSV header goes out once the scan has started, so a refused scan prints nothing.
      let text = format === 'csv' && !started ? csvLine(CSV_HEADERS) : '';
      started = true;
      if (next.done === true) {
        if (format === 'ndjson') text += `${JSON.stringify({ kind: 'summary', ...next.value })}\n`;
        if (text !== '') io.stdout.write(text);
        return next.value;
      }
      for (const event of next.value) {
        if (event.kind === 'port' && openOnly && event.state !== 'open') continue;
        if (format === 'ndjson') text += `${JSON.stringify(event.kind === 'port' ? withServiceName(event) : event)}\n`;
        else if (event.kind === 'port') text += csvLine(csvRow(event));
      }
      if (text !== '') io.stdout.write(text);
    }
  } finally {
    // A write that threw stops the scan too (its own finally closes every probe); after the end, a no-op.
    await (iterator as AsyncGenerator<unknown, unknown>).return(undefined);
  }
}
