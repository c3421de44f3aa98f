import { Command } from '@commander-js/extra-typings';
import { PortscopeError } from '../../errors.js';
import type { Socket } from '../../model/index.js';
import { killPort, parseSignal, type KillPlan, type KillReport, type KillResult } from '../../ports/index.js';
import { parseDuration } from '../duration.js';
import { backendOf, colorsFor, type CliIo } from '../io.js';
import { endpointLabel, placeLabel, printable, stateLabel } from '../render/format.js';
import { chooseFormat } from '../render/output.js';
import { renderTable } from '../render/table.js';

/** Outcomes after which the process no longer holds the port. */
const SETTLED = new Set<KillResult['outcome']>(['terminated', 'killed', 'gone', 'not-owner', 'signalled']);

function socketLabel(s: Socket): string {
  return `${s.protocol} ${stateLabel(s.state)} ${endpointLabel(s, s.local, { numeric: true })}`;
}

function planTable(plan: KillPlan, io: CliIo): string {
  const rows = plan.candidates.map((c) => [
    String(c.owner.pid),
    c.owner.user ?? String(c.owner.uid),
    printable(c.owner.cmdline?.join(' ') ?? c.owner.command),
    placeLabel([c.owner]) || '-',
    c.sockets.map(socketLabel).join(', ') +
      (c.refused === undefined ? '' : `  (never signalled: ${c.refused === 'init' ? 'pid 1' : 'portscope itself'})`),
  ]);
  const columns = [
    { header: 'PID', align: 'right' as const },
    { header: 'User' },
    { header: 'Command', elastic: true },
    { header: 'Unit/Container' },
    { header: 'Socket' },
  ];
  const colors = colorsFor(io);
  return renderTable(columns, rows, { header: true, width: io.columns, paintHeader: colors.bold });
}

function resultTable(results: readonly KillResult[], io: CliIo): string {
  const colors = colorsFor(io);
  const paint = (outcome: string) =>
    SETTLED.has(outcome as KillResult['outcome']) ? colors.green(outcome) : colors.red(outcome);
  const rows = results.map((r) => [
    String(r.pid),
    printable(r.command),
    r.outcome,
    r.signals.join(',') || '-',
    `${String(r.elapsedMs)} ms`,
  ]);
  const columns = [
    { header: 'PID', align: 'right' as const },
    { header: 'Command' },
    { header: 'Result', paint },
    { header: 'Signals' },
    { header: 'After', align: 'right' as const },
  ];
  return renderTable(columns, rows, { header: true, width: undefined, paintHeader: colors.bold });
}

function hiddenLine(hidden: readonly Socket[]): string {
  return `portscope: ${String(hidden.length)} socket(s) on the port belong to processes this user cannot see; run as root to stop them\n`;
}

/** `portscope kill <port...>`: stop the processes that hold a port, safely. */
export function killCommand(io: CliIo, setExit: (code: number) => void) {
  return new Command('kill')
    .description('stop the processes that listen on a port: SIGTERM, wait, SIGKILL only with --force')
    .argument('<ports...>', 'PORT, PORT/udp, PORT/tcp, HOST:PORT or [IPv6]:PORT')
    .option('-s, --signal <name>', 'first signal: TERM, INT, HUP, KILL... or a number', 'TERM')
    .option('-t, --timeout <duration>', 'wait this long for each process to exit (0: do not wait)', '5s')
    .option('-f, --force', 'send SIGKILL to processes still running after --timeout')
    .option('-a, --all-sockets', 'also the owners of connections on the port, not only of listeners')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('-n, --dry-run', 'only show what would be signalled')
    .option('--netns <which>', 'all | host | a name under /run/netns | a namespace inode', 'all')
    .option('--json', 'print the plan and the results as JSON')
    .option('--format <format>', 'table | json', 'table')
    .action(async (ports, options) => {
      const format = chooseFormat(options, ['table', 'json']);
      const signal = parseSignal(options.signal);
      const timeoutMs = parseDuration(options.timeout, '--timeout');
      const asked = { refused: false };
      const report: KillReport = await killPort(ports, {
        signal: signal.name,
        timeoutMs,
        force: options.force === true,
        allSockets: options.allSockets === true,
        dryRun: options.dryRun === true,
        netns: options.netns,
        backend: backendOf(io),
        confirm: async (plan) => {
          if (format === 'table') io.stdout.write(planTable(plan, io));
          if (options.yes === true) return true;
          if (io.confirm === undefined) {
            asked.refused = true;
            return false;
          }
          const n = plan.candidates.filter((c) => c.refused === undefined).length;
          return io.confirm(`Send ${signal.name} to ${String(n)} process${n === 1 ? '' : 'es'}?`);
        },
      });
      if (format === 'json') io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      if (report.candidates.length === 0) {
        if (format === 'table')
          io.stderr.write(
            report.hidden.length > 0 ? hiddenLine(report.hidden) : `portscope: nothing holds ${ports.join(' ')}\n`,
          );
        setExit(1);
        return;
      }
      if (options.dryRun === true) {
        if (format === 'table') io.stdout.write(planTable(report, io));
        return;
      }
      if (asked.refused) {
        throw new PortscopeError(
          'INVALID_ARGUMENT',
          'Refusing to signal without a confirmation: no terminal to ask on; pass --yes, or --dry-run to only look',
        );
      }
      if (!report.confirmed) {
        if (format === 'table') io.stderr.write('portscope: nothing was signalled\n');
        setExit(1);
        return;
      }
      if (format === 'table') {
        io.stdout.write(`\n${resultTable(report.results, io)}`);
        if (report.hidden.length > 0) io.stderr.write(hiddenLine(report.hidden));
      }
      if (report.hidden.length > 0 || !report.results.every((r) => SETTLED.has(r.outcome))) setExit(1);
    });
}
