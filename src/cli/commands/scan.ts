import { Command } from '@commander-js/extra-typings';
import { readFileSync } from 'node:fs';
import { PortscopeError, errnoCode } from '../../errors.js';
import type { ScanOptions, ScanReport, ScanProtocol } from '../../scan/index.js';
import { definedFields } from '../defined-fields.js';
import { parseDuration } from '../duration.js';
import { colorsFor, writeOutputFile, type CliIo } from '../io.js';
import { renderCsv } from '../render/csv.js';
import { chooseFormat } from '../render/output.js';
import { renderNmapGrepable } from '../render/scan/nmap-grepable.js';
import { renderNmapXml, type RunInfo } from '../render/scan/nmap-xml.js';
import { progressLine } from '../render/scan/progress.js';
import { renderScanTable } from '../render/scan/table.js';

/** Words of a target file (`-iL`, `--exclude-file`): whitespace-separated, `#` comments; `-` is stdin. */
function readList(file: string, what: string): string[] {
  try {
    const text = readFileSync(file === '-' ? 0 : file, 'utf8');
    return text
      .split('\n')
      .map((l) => l.replace(/#.*/, ''))
      .flatMap((l) => l.split(/[\s,]+/))
      .filter((w) => w !== '');
  } catch (error) {
    throw new PortscopeError('NOT_FOUND', `Cannot read ${what} \`${file}\` (${errnoCode(error) ?? 'error'})`, {
      cause: error,
    });
  }
}

/**
 * A number flag's parser, checking the range the library will (so the error names the flag, not
 * the library's option): `min` to `max`, and a whole number with `integer`.
 */
const number =
  (name: string, { min = 0, max = Number.MAX_SAFE_INTEGER, integer = false } = {}) =>
  (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      const what =
        min === 0 && max === Number.MAX_SAFE_INTEGER
          ? `a non-negative ${integer ? 'integer' : 'number'}`
          : `${integer ? 'an integer' : 'a number'} from ${String(min)} to ${String(max)}`;
      throw new PortscopeError('INVALID_ARGUMENT', `Expected ${name} to be ${what}, got \`${value}\``);
    }
    return n;
  };
const ms = (name: string) => (value: string) => parseDuration(value, name);

const CSV_HEADERS = [
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

/**
 * `portscope scan <targets...>`: a TCP connect (and UDP) port scanner with nmap's target, port and
 * timing syntax. Exit 0 when some port is open, 1 when none is (or every host is down), 2 on bad input.
 */
export function scanCommand(io: CliIo, setExit: (code: number) => void, version: string, argv: readonly string[]) {
  return new Command('scan')
    .description('scan hosts for open, closed and filtered TCP/UDP ports (nmap -sT/-sU syntax, no root needed)')
    .argument('[targets...]', 'addresses, CIDR (10.0.0.0/24), octet ranges (10.0.0-3.1-254) or host names')
    .option('-p, --ports <list>', 'ports: 22,80,1000-2000 | - (all) | T:80,U:53 | http,ssh')
    .option(
      '--top-ports <n>',
      'the N most useful ports of our ranking (default 1000)',
      number('--top-ports', { min: 1, max: 65535, integer: true }),
    )
    .option('-F, --fast', 'the top 100 ports')
    .option('--exclude-ports <list>', 'ports to leave out')
    .option('--tcp', 'TCP connect scan (nmap -sT; the default)')
    .option('--udp', 'UDP scan (nmap -sU); with --tcp, both')
    .option('--service-version', 'probe open TCP ports for what answers (nmap -sV)')
    .option('--no-ping', 'skip host discovery: treat every host as up (nmap -Pn)')
    .option('--ping-ports <list>', 'ports for TCP connect discovery', '80,443')
    .option('-i, --input-file <file>', 'read targets from a file (- for stdin; nmap -iL)')
    .option('--exclude <targets>', 'comma-separated targets to leave out')
    .option('--exclude-file <file>', 'read targets to leave out from a file')
    .option('--max-targets <n>', 'refuse more hosts than this', number('--max-targets'), 65_536)
    .option('--resolve-all', 'scan every address a host name resolves to')
    .option('-4, --ipv4', 'IPv4 only')
    .option('-6, --ipv6', 'IPv6 only')
    .option('-n, --no-dns', 'no reverse DNS (accepted for nmap habits; portscope never does reverse DNS)')
    .option('-T, --timing <template>', 'timing template 0-5 or paranoid..insane (default 3)')
    .option('--min-rate <n>', 'send at least N probes per second', number('--min-rate', { min: 0.001 }))
    .option('--max-rate <n>', 'send at most N probes per second', number('--max-rate', { min: 0.001 }))
    .option('--max-retries <n>', 'retransmissions per port at most', number('--max-retries'))
    .option('--min-rtt-timeout <duration>', 'lower bound of a probe time-out', ms('--min-rtt-timeout'))
    .option('--max-rtt-timeout <duration>', 'upper bound of a probe time-out', ms('--max-rtt-timeout'))
    .option('--initial-rtt-timeout <duration>', 'time-out before round trips are measured', ms('--initial-rtt-timeout'))
    .option('--scan-delay <duration>', 'least pause between probes to one host', ms('--scan-delay'))
    .option('--max-scan-delay <duration>', 'most the pause may grow to on loss', ms('--max-scan-delay'))
    .option('--host-timeout <duration>', 'give up on a host after this long', ms('--host-timeout'))
    .option('--max-parallelism <n>', 'probes in flight at most', number('--max-parallelism'))
    .option(
      '--workers <n>',
      'threads for the port scan (default: the cores, at most 4, for large TCP scans)',
      number('--workers', { min: 1, max: 64, integer: true }),
    )
    .option('--service-wait <duration>', 'how long a service probe waits for data', ms('--service-wait'))
    .option(
      '--seed <n>',
      'seed of the probe order (reuse it with --shard)',
      number('--seed', { min: 0, max: 2 ** 32 - 1, integer: true }),
    )
    .option('--shard <i/N>', 'scan only share i of N (needs --seed)')
    .option('--open', 'show only open ports')
    .option('--reason', 'show why each port has its state')
    .option('--output-xml <file>', 'also write nmap XML (nmap -oX; - for stdout)')
    .option('--output-grepable <file>', 'also write nmap grepable output (nmap -oG; - for stdout)')
    .option('--output-json <file>', 'also write the JSON report to a file')
    .option('--json', 'print the report as JSON')
    .option('--format <format>', 'table | json | ndjson | csv', 'table')
    .action(async (targetArgs, options) => {
      // The scanner (sockets, TLS, DNS) loads only when a scan runs: other verbs start without it.
      const scanLib = await import('../../scan/index.js');
      const format = chooseFormat(options);
      const targets = [
        ...targetArgs,
        ...(options.inputFile === undefined ? [] : readList(options.inputFile, 'the target file')),
      ];
      if (targets.length === 0)
        throw new PortscopeError(
          'INVALID_ARGUMENT',
          'Expected at least one target (an address, CIDR, range or name), got none',
        );
      const exclude = [
        ...(options.exclude?.split(',').filter((t) => t.trim() !== '') ?? []),
        ...(options.excludeFile === undefined ? [] : readList(options.excludeFile, 'the exclude file')),
      ];
      const protocols: ScanProtocol[] =
        options.udp === true ? (options.tcp === true ? ['tcp', 'udp'] : ['udp']) : ['tcp'];
      const pingPorts = [...scanLib.parsePortSpec(options.pingPorts).tcp];
      const scanOptions: ScanOptions = {
        protocols,
        exclude,
        maxTargets: options.maxTargets,
        resolveAll: options.resolveAll === true,
        ping: options.ping,
        pingPorts,
        serviceDetection: options.serviceVersion === true,
        ...definedFields({
          ports: options.ports,
          topPorts: options.fast === true ? 100 : options.topPorts,
          excludePorts: options.excludePorts,
          family: options.ipv4 === true ? (4 as const) : options.ipv6 === true ? (6 as const) : undefined,
          timingTemplate: options.timing === undefined ? undefined : scanLib.parseTimingTemplate(options.timing),
          minRate: options.minRate,
          maxRate: options.maxRate,
          maxRetries: options.maxRetries,
          minRttTimeoutMs: options.minRttTimeout,
          maxRttTimeoutMs: options.maxRttTimeout,
          initialRttTimeoutMs: options.initialRttTimeout,
          scanDelayMs: options.scanDelay,
          maxScanDelayMs: options.maxScanDelay,
          hostTimeoutMs: options.hostTimeout,
          maxParallelism: options.maxParallelism,
          workers: options.workers,
          serviceWaitMs: options.serviceWait,
          seed: options.seed,
          shard: options.shard === undefined ? undefined : scanLib.parseShard(options.shard),
        }),
      };
      const ndjson = format === 'ndjson';
      const progress = io.stderrIsTTY === true && !ndjson;
      const width = io.columns ?? 80;
      const report: ScanReport = await scanLib.runScan(targets, {
        ...scanOptions,
        ...(progress
          ? {
              onProgress: (p) => {
                io.stderr.write(`\r${progressLine(p, width)}\x1b[K`);
              },
            }
          : {}),
      });
      if (progress) io.stderr.write('\r\x1b[K');
      const { hosts, ports, summary } = report;
      const shownPorts = options.open === true ? ports.filter((p) => p.state === 'open') : ports;
      if (format === 'json') io.stdout.write(`${JSON.stringify({ ...report, ports: shownPorts }, null, 2)}\n`);
      else if (ndjson) {
        for (const event of [...hosts, ...shownPorts]) io.stdout.write(`${JSON.stringify(event)}\n`);
        io.stdout.write(`${JSON.stringify({ kind: 'summary', ...summary })}\n`);
      } else if (format === 'csv') {
        const rows = shownPorts.map((p) => [
          p.address,
          p.hostname ?? '',
          p.protocol,
          String(p.port),
          p.state,
          p.reason,
          p.rttMs === undefined ? '' : String(p.rttMs),
          String(p.tries),
          p.service?.name ?? p.serviceName ?? '',
          p.service?.banner ?? '',
        ]);
        io.stdout.write(renderCsv(CSV_HEADERS, rows));
      } else {
        io.stdout.write(
          renderScanTable(hosts, ports, {
            openOnly: options.open === true,
            reason: options.reason === true,
            colors: colorsFor(io),
            width: io.isTTY ? io.columns : undefined,
          }),
        );
      }
      const info: RunInfo = {
        args: ['portscope', 'scan', ...argv].join(' '),
        version,
        protocols,
        ports: scanLib.portsOf(scanOptions),
      };
      if (options.outputXml !== undefined)
        writeOutputFile(io, options.outputXml, renderNmapXml(hosts, ports, summary, info));
      if (options.outputGrepable !== undefined)
        writeOutputFile(io, options.outputGrepable, renderNmapGrepable(hosts, ports, summary, info));
      if (options.outputJson !== undefined)
        writeOutputFile(io, options.outputJson, `${JSON.stringify(report, null, 2)}\n`);
      const { up, down, timedOut } = summary.hosts;
      const total = up + down + timedOut;
      io.stderr.write(
        `portscope: ${String(total)} host${total === 1 ? '' : 's'} (${String(up)} up${timedOut > 0 ? `, ${String(timedOut)} timed out` : ''}), ${String(ports.length)} port result${ports.length === 1 ? '' : 's'}, ${String(summary.ports.open)} open, in ${(summary.elapsedMs / 1000).toFixed(2)} s (seed ${String(summary.seed)}${summary.shard === undefined ? '' : `, shard ${String(summary.shard.index + 1)}/${String(summary.shard.count)}`})\n`,
      );
      if (down > 0)
        io.stderr.write(
          `portscope: ${String(down)} host${down === 1 ? '' : 's'} did not answer discovery on ${options.pingPorts}; if they are up but filter those ports, add --no-ping (nmap -Pn)\n`,
        );
      if (timedOut > 0)
        io.stderr.write(
          `portscope: ${String(timedOut)} host${timedOut === 1 ? '' : 's'} hit --host-timeout before every port was probed; raise it to finish them\n`,
        );
      setExit(summary.ports.open > 0 ? 0 : 1);
    });
}
