import { withServiceName } from './render/scan/service-name.js';
import type { ScanReport } from '../scan/index.js';
import { colorsFor, writeOutputFile, type CliIo } from './io.js';
import { renderCsv } from './render/csv.js';
import type { Format } from './render/output.js';
import { renderNmapGrepable } from './render/scan/nmap-grepable.js';
import { renderNmapXml, type RunInfo } from './render/scan/nmap-xml.js';
import { renderScanTable } from './render/scan/table.js';
import { CSV_HEADERS, csvRow } from './scan-stream.js';

/** The scan flags that choose outputs. */
export interface OutputFlags {
  readonly open?: boolean;
  readonly reason?: boolean;
  readonly outputXml?: string;
  readonly outputGrepable?: string;
  readonly outputJson?: string;
}

/**
 * The first output asked for that needs the whole scan before it can write (undefined when none
 * does, and the results can stream): the table and nmap's XML and grepable formats group ports by
 * host and summarise states past 25 ports; the JSON report is one document sorted by address.
 * ndjson and csv stream.
 */
export function keptOutput(format: Format, flags: OutputFlags): string | undefined {
  if (format === 'table' || format === 'json') return `--format ${format}`;
  if (flags.outputXml !== undefined) return '--output-xml';
  if (flags.outputGrepable !== undefined) return '--output-grepable';
  if (flags.outputJson !== undefined) return '--output-json';
  return undefined;
}

/** Writes the outputs of a whole scan: stdout in `format`, and the files asked for. */
export function writeKeptOutputs(
  report: ScanReport,
  format: Format,
  flags: OutputFlags,
  io: CliIo,
  info: RunInfo,
): void {
  const { hosts, ports, summary } = report;
  const shownPorts = flags.open === true ? ports.filter((p) => p.state === 'open') : ports;
  if (format === 'json')
    io.stdout.write(`${JSON.stringify({ ...report, ports: shownPorts.map(withServiceName) }, null, 2)}\n`);
  else if (format === 'ndjson') {
    for (const event of [...hosts, ...shownPorts.map(withServiceName)]) io.stdout.write(`${JSON.stringify(event)}\n`);
    io.stdout.write(`${JSON.stringify({ kind: 'summary', ...summary })}\n`);
  } else if (format === 'csv') io.stdout.write(renderCsv(CSV_HEADERS, shownPorts.map(csvRow)));
  else {
    io.stdout.write(
      renderScanTable(hosts, ports, {
        openOnly: flags.open === true,
        reason: flags.reason === true,
        colors: colorsFor(io),
        width: io.isTTY ? io.columns : undefined,
      }),
    );
  }
  if (flags.outputXml !== undefined) writeOutputFile(io, flags.outputXml, renderNmapXml(hosts, ports, summary, info));
  if (flags.outputGrepable !== undefined)
    writeOutputFile(io, flags.outputGrepable, renderNmapGrepable(hosts, ports, summary, info));
  if (flags.outputJson !== undefined)
    writeOutputFile(
      io,
      flags.outputJson,
      `${JSON.stringify({ ...report, ports: ports.map(withServiceName) }, null, 2)}\n`,
    );
}
