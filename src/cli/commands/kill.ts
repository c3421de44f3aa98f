import { Command } from '@commander-js/extra-typings';
import { PortscopeError } from '../../errors.js';
import type { SnapshotWarning } from '../../model/index.js';
import { killPort } from '../../ports/kill-port.js';
import { parseSignal } from '../../ports/signals.js';
import type { KillReport } from '../../ports/index.js';
import { parseDuration } from '../duration.js';
import { backendOf, type CliIo } from '../io.js';
import {
  SETTLED,
  confirmQuestion,
  hiddenLine,
  planTable,
  resultTable,
  skippedLines,
  stillHeldLine,
} from '../render/kill.js';
import { chooseFormat } from '../render/output.js';

/** `portscope kill <port...>`: stop the processes that hold a port, safely. */
export function killCommand(io: CliIo, setExit: (code: number) => void) {
  return new Command('kill')
    .description('stop the processes that listen on a port: SIGTERM, wait, SIGKILL only with --force')
    .argument('<ports...>', 'PORT, PORT/udp, PORT/tcp, HOST:PORT or [IPv6]:PORT')
    .option('-s, --signal <name>', 'first signal: TERM, INT, HUP, KILL... or a number', 'TERM')
    .option('-t, --timeout <duration>', 'wait this long for each process to exit (0: do not wait)', '5s')
    .option('-f, --force', 'send SIGKILL to processes still running after --timeout')
    .option('-u, --until-free', 'go on through new holders (a child forked on SIGTERM, a respawn) within --timeout')
    .option('-a, --all-sockets', 'also the owners of connections on the port, not only of listeners')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('-n, --dry-run', 'only show what would be signalled')
    .option(
      '--netns <which>',
      'all | host | a name under /run/netns | a namespace inode (named: may be signalled)',
      'all',
    )
    .option('--all-netns', 'also signal holders in network namespaces other than ours')
    .option('--json', 'print the plan and the results as JSON')
    .option('--format <format>', 'table | json', 'table')
    .action(async (ports, options) => {
      const format = chooseFormat(options, ['table', 'json']);
      const signal = parseSignal(options.signal);
      const timeoutMs = parseDuration(options.timeout, '--timeout');
      if (options.allNetns === true && options.netns !== 'all') {
        throw new PortscopeError(
          'INVALID_ARGUMENT',
          `Expected --netns or --all-netns, got both (--netns ${options.netns})`,
        );
      }
      const table = format === 'table';
      const asked = { refused: false, warned: false };
      const warn = (warnings: readonly SnapshotWarning[]) => {
        if (!table || asked.warned) return;
        asked.warned = true;
        for (const w of warnings) io.stderr.write(`portscope: ${w.message}\n`);
      };
      const report: KillReport = await killPort(ports, {
        signal: signal.name,
        timeoutMs,
        force: options.force === true,
        untilFree: options.untilFree === true,
        allSockets: options.allSockets === true,
        dryRun: options.dryRun === true,
        netns: options.netns,
        allNetns: options.allNetns === true,
        backend: backendOf(io),
        confirm: async (plan) => {
          warn(plan.warnings);
          if (table) io.stdout.write(planTable(plan, io));
          if (options.yes === true) return true;
          if (io.confirm === undefined) {
            asked.refused = true;
            return false;
          }
          return io.confirm(confirmQuestion(plan, signal.name));
        },
      });
      warn(report.warnings);
      if (format === 'json') io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      if (table) io.stderr.write(skippedLines(report));
      if (report.candidates.length === 0) {
        const unknown = report.warnings.some((w) => w.code === 'START_TIME_UNKNOWN');
        if (table && report.skipped.length === 0 && !unknown) {
          io.stderr.write(
            report.hidden.length > 0 ? hiddenLine(report.hidden) : `portscope: nothing holds ${ports.join(' ')}\n`,
          );
        }
        setExit(1);
        return;
      }
      if (options.dryRun === true) {
        if (table) io.stdout.write(planTable(report, io));
        return;
      }
      if (asked.refused) {
        throw new PortscopeError(
          'INVALID_ARGUMENT',
          'Refusing to signal without a confirmation: no terminal to ask on; pass --yes, or --dry-run to only look',
        );
      }
      if (!report.confirmed) {
        if (table) io.stderr.write('portscope: nothing was signalled\n');
        setExit(1);
        return;
      }
      if (table) {
        io.stdout.write(`\n${resultTable(report.results, io)}`);
        if (report.hidden.length > 0) io.stderr.write(hiddenLine(report.hidden));
        io.stderr.write(stillHeldLine(report, ports, options.untilFree === true));
      }
      const settled = report.results.every((r) => SETTLED.has(r.outcome));
      if (report.hidden.length > 0 || !settled || report.portFree === false) setExit(1);
    });
}
