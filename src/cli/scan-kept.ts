import { PortscopeError } from '../errors.js';
import { withServiceName } from './render/scan/service-name.js';
import type { PortResult, ScanReport } from '../scan/index.js';
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
 * The file output written to stdout (`-oX -`, `-oG -`, `--output-json -`), named as its long flag, or
 * undefined. As in nmap, stdout then carries that document alone: the table is not printed.
 * @throws PortscopeError `INVALID_ARGUMENT` when two of them are `-`, or one is and `formatGiven` names
 *   the --format or --json given too: both would go to stdout, one document cut into the other.
 */
export function stdoutDocument(flags: OutputFlags, formatGiven: string | undefined): string | undefined {
  const named: [string, string | undefined][] = [
    ['--output-xml', flags.outputXml],
    ['--output-grepable', flags.outputGrepable],
    ['--output-json', flags.outputJson],
  ];
  const toStdout = named.filter(([, file]) => file === '-').map(([flag]) => flag);
  const clash = [...(formatGiven === undefined ? [] : [formatGiven]), ...toStdout.map((flag) => `${flag} -`)];
  if (toStdout.length > 0 && clash.length > 1)
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected one output on stdout, got ${clash.map((c) => `\`${c}\``).join(' and ')}: write the others to files`,
    );
  return toStdout[0];
}

/**
 * The first output asked for that needs the whole scan before it can write (undefined when none
 * does, and the results can stream): the table and nmap's XML and grepable formats group ports by
 * host and summarise states past 25 ports; the JSON report is one document sorted by address.
 * ndjson and csv stream. `format` is not printed, and so does not count, when a file output goes to stdout.
 */
export function keptOutput(format: Format, flags: OutputFlags): string | undefined {
  const printed = stdoutDocument(flags, undefined) === undefined;
  if (printed && (format === 'table' || format === 'json')) return `--format ${format}`;
  if (flags.outputXml !== undefined) return '--output-xml';
  if (flags.outputGrepable !== undefined) return '--output-grepable';
  if (flags.outputJson !== undefined) return '--output-json';
  return undefined;
}

/**
 * Writes the outputs of a whole scan: stdout in `format` (unless a file output goes to stdout: see
 * {@link stdoutDocument}), and the files asked for.
 */
export function writeKeptOutputs(
  report: ScanReport,
  format: Format,
  flags: OutputFlags,
  io: CliIo,
  info: RunInfo,
): void {
  const { hosts, ports, summary } = report;
  const openOnly = flags.open === true;
  const shownPorts = openOnly ? ports.filter((p) => p.state === 'open') : ports;
  // stdout is a file output's when one goes there.
  if (stdoutDocument(flags, undefined) === undefined) writeFormat(report, shownPorts, format, flags, io);
  // --open holds for the files too, as nmap's does: XML and grepable summarise the other states.
  if (flags.outputXml !== undefined)
    writeOutputFile(io, flags.outputXml, renderNmapXml(hosts, ports, summary, info, openOnly));
  if (flags.outputGrepable !== undefined)
    writeOutputFile(io, flags.outputGrepable, renderNmapGrepable(hosts, ports, summary, info, openOnly));
  if (flags.outputJson !== undefined) writeOutputFile(io, flags.outputJson, reportJson(report, shownPorts));
}

/** The JSON report of a whole scan with `shownPorts` as its ports, each named. */
function reportJson(report: ScanReport, shownPorts: readonly PortResult[]): string {
  return `${JSON.stringify({ ...report, ports: shownPorts.map(withServiceName) }, null, 2)}\n`;
}

/** Writes a whole scan to stdout in `format` (`shownPorts`: the ports --open leaves), in one write. */
function writeFormat(
  report: ScanReport,
  shownPorts: readonly PortResult[],
  format: Format,
  flags: OutputFlags,
  io: CliIo,
): void {
  const { hosts, ports, summary } = report;
  if (format === 'json') io.stdout.write(reportJson(report, shownPorts));
  else if (format === 'ndjson') {
    const events = [...hosts, ...shownPorts.map(withServiceName), { kind: 'summary', ...summary }];
    io.stdout.write(events.map((event) => `${JSON.stringify(event)}\n`).join(''));
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
}
