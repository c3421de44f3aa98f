import { Command } from '@commander-js/extra-typings';
import { PortscopeError } from '../../errors.js';
import type { ScanOptions, ScanProtocol, ScanSummary } from '../../scan/index.js';
import { definedFields } from '../defined-fields.js';
import type { CliIo } from '../io.js';
import { chooseFormat } from '../render/output.js';
import { progressLine } from '../render/scan/progress.js';
import { checkOrder, connectBackendOf, ms, number } from '../scan-flags.js';
import { keptOutput, stdoutDocument, writeKeptOutputs } from '../scan-kept.js';
import { checkKeptFits, watchHeap } from '../scan-memory.js';
import { streamScan } from '../scan-stream.js';
import { readTargetFile } from '../target-file.js';

/** Entries of an exclude file at most: each is checked against every target address. */
const MAX_EXCLUDES = 65_536;

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
    .option(
      '--max-targets <n>',
      'refuse more hosts than this',
      number('--max-targets', { min: 1, integer: true }),
      65_536,
    )
    .option('--resolve-all', 'scan every address a host name resolves to')
    .option('-4, --ipv4', 'IPv4 only')
    .option('-6, --ipv6', 'IPv6 only')
    .option('-n, --no-dns', 'no reverse DNS (accepted for nmap habits; portscope never does reverse DNS)')
    .option('-T, --timing <template>', 'timing template 0-5 or paranoid..insane (default 3)')
    .option('--min-rate <n>', 'send at least N probes per second', number('--min-rate', { min: 0.001 }))
    .option('--max-rate <n>', 'send at most N probes per second', number('--max-rate', { min: 0.001 }))
    .option('--max-retries <n>', 'retransmissions per port at most', number('--max-retries', { integer: true }))
    .option('--min-rtt-timeout <duration>', 'lower bound of a probe time-out', ms('--min-rtt-timeout', 1))
    .option('--max-rtt-timeout <duration>', 'upper bound of a probe time-out', ms('--max-rtt-timeout', 1))
    .option(
      '--initial-rtt-timeout <duration>',
      'time-out before round trips are measured',
      ms('--initial-rtt-timeout', 1),
    )
    .option('--scan-delay <duration>', 'least pause between probes to one host', ms('--scan-delay'))
    .option('--max-scan-delay <duration>', 'most the pause may grow to on loss', ms('--max-scan-delay'))
    .option('--host-timeout <duration>', 'give up on a host after this long', ms('--host-timeout'))
    .option('--max-parallelism <n>', 'probes in flight at most', number('--max-parallelism', { integer: true }))
    .option(
      '--workers <n>',
      'threads for the port scan (default: the cores, at most 4, for large TCP scans)',
      number('--workers', { min: 1, max: 64, integer: true }),
    )
    .option('--service-wait <duration>', 'how long a service probe waits for data', ms('--service-wait', 1))
    .option(
      '--seed <n>',
      'seed of the probe order (reuse it with --shard)',
      number('--seed', { min: 0, max: 2 ** 32 - 1, integer: true }),
    )
    .option('--shard <i/N>', 'scan only share i of N (needs --seed)')
    .option('--open', 'show only open ports')
    .option('--reason', 'show why each port has its state')
    .option('--output-xml <file>', 'also write nmap XML (nmap -oX; - for stdout, instead of the table)')
    .option(
      '--output-grepable <file>',
      'also write nmap grepable output (nmap -oG; - for stdout, instead of the table)',
    )
    .option('--output-json <file>', 'also write the JSON report (- for stdout, instead of the table)')
    .option('--json', 'print the report as JSON')
    .option('--format <format>', 'table | json | ndjson | csv', 'table')
    .action(async (targetArgs, options, command) => {
      // The scanner (sockets, TLS, DNS) loads only when a scan runs: other verbs start without it.
      const scanLib = await import('../../scan/index.js');
      const format = chooseFormat(options);
      stdoutDocument(
        options,
        options.json === true
          ? '--json'
          : command.getOptionValueSource('format') === 'cli'
            ? `--format ${format}`
            : undefined,
      );
      const maxTargets = options.maxTargets;
      const targets = [
        ...targetArgs,
        ...(options.inputFile === undefined
          ? []
          : await readTargetFile(
              options.inputFile,
              'the target file',
              Math.max(0, maxTargets - targetArgs.length),
              `Refusing to read more than --max-targets ${maxTargets.toLocaleString('en-US')} targets: narrow the target file or raise --max-targets`,
            )),
      ];
      if (targets.length === 0)
        throw new PortscopeError(
          'INVALID_ARGUMENT',
          'Expected at least one target (an address, CIDR, range or name), got none',
        );
      const exclude = [
        ...(options.exclude?.split(',').filter((t) => t.trim() !== '') ?? []),
        ...(options.excludeFile === undefined
          ? []
          : await readTargetFile(
              options.excludeFile,
              'the exclude file',
              MAX_EXCLUDES,
              `Refusing to read more than ${MAX_EXCLUDES.toLocaleString('en-US')} exclusions`,
            )),
      ];
      const protocols: ScanProtocol[] =
        options.udp === true ? (options.tcp === true ? ['tcp', 'udp'] : ['udp']) : ['tcp'];
      const pingPorts = [...scanLib.parsePortSpec(options.pingPorts).tcp];
      checkOrder([
        ['--min-rate', options.minRate, '--max-rate', options.maxRate, 'probes/s'],
        ['--min-rtt-timeout', options.minRttTimeout, '--max-rtt-timeout', options.maxRttTimeout, 'ms'],
      ]);
      const scanOptions: ScanOptions = {
        protocols,
        exclude,
        maxTargets,
        resolveAll: options.resolveAll === true,
        ping: options.ping,
        pingPorts,
        serviceDetection: options.serviceVersion === true,
        // Named when printed (render/scan/service-name.ts): most results of a large scan never are.
        serviceNames: false,
        connectBackend: connectBackendOf(io.env),
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
      // Only an output that needs the whole scan keeps results; the others write each as it comes.
      const keptFor = keptOutput(format, options);
      // A progress bar on stderr would cut into rows streamed to the same terminal.
      const progress = io.stderrIsTTY === true && keptFor !== undefined;
      const width = io.columns ?? 80;
      const controller = new AbortController();
      let exhausted: string | undefined;
      const stopWatching = watchHeap((message) => {
        exhausted = message;
        controller.abort();
      });
      const running: ScanOptions = {
        ...scanOptions,
        signal: controller.signal,
        ...(keptFor === undefined
          ? {}
          : {
              onPlan: (plan) => {
                checkKeptFits(plan, keptFor);
              },
            }),
        ...(progress
          ? {
              onProgress: (p) => {
                io.stderr.write(`\r${progressLine(p, width)}\x1b[K`);
              },
            }
          : {}),
      };
      let summary: ScanSummary;
      try {
        if (keptFor === undefined) {
          summary = await streamScan(
            (await import('../../scan/scan-batches.js')).scanBatches,
            targets,
            running,
            format === 'csv' ? 'csv' : 'ndjson',
            options.open === true,
            io,
          );
        } else {
          const report = await scanLib.runScan(targets, running);
          if (progress) io.stderr.write('\r\x1b[K');
          summary = report.summary;
          writeKeptOutputs(report, format, options, io, {
            args: ['portscope', 'scan', ...argv].join(' '),
            version,
            protocols,
            ports: scanLib.portsOf(scanOptions),
          });
        }
      } catch (error) {
        if (progress) io.stderr.write('\r\x1b[K');
        if (exhausted !== undefined) throw new PortscopeError('ABORTED', exhausted, { cause: error });
        throw error;
      } finally {
        stopWatching();
      }
      const results = Object.values(summary.ports).reduce((a, b) => a + b, 0);
      const { up, down, timedOut } = summary.hosts;
      const total = up + down + timedOut;
      io.stderr.write(
        `portscope: ${String(total)} host${total === 1 ? '' : 's'} (${String(up)} up${timedOut > 0 ? `, ${String(timedOut)} timed out` : ''}), ${String(results)} port result${results === 1 ? '' : 's'}, ${String(summary.ports.open)} open, in ${(summary.elapsedMs / 1000).toFixed(2)} s (seed ${String(summary.seed)}${summary.shard === undefined ? '' : `, shard ${String(summary.shard.index + 1)}/${String(summary.shard.count)}`})\n`,
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
