import { Command } from '@commander-js/extra-typings';
import { listSockets } from '../../inventory/list-sockets.js';
import { readSockstat } from '../../inventory/linux/sockstat.js';
import { readSocketSummary } from '../../inventory/linux/summary.js';
import type { Backend, SocketSummary } from '../../inventory/index.js';
import { backendOf, type CliIo } from '../io.js';
import { renderCsv } from '../render/csv.js';
import { stateLabel } from '../render/format.js';
import { chooseFormat, type Format } from '../render/output.js';
import { renderTable } from '../render/table.js';
import type { SocketState } from '../../model/index.js';

/** What `stats` prints: ss -s's numbers, the raw sockstat counters, and portscope's extra counts by state. */
export interface Stats {
  readonly summary: SocketSummary;
  readonly sockstat: ReturnType<typeof readSockstat>;
  /** Extra, not in ss -s: sockets of the host namespace by protocol (`tcp6` = IPv6) and state, as listed. */
  readonly counts: Record<string, Partial<Record<SocketState, number>>>;
}

async function gather(backend: Backend): Promise<Stats> {
  const sockstat = readSockstat();
  const summary = readSocketSummary(sockstat);
  const { sockets } = await listSockets({ owners: false, netns: 'host', backend });
  const counts: Stats['counts'] = {};
  for (const s of sockets) {
    if (s.state === undefined) continue;
    const key = s.family === 'inet6' ? `${s.protocol}6` : s.protocol;
    const row = (counts[key] ??= {});
    row[s.state] = (row[s.state] ?? 0) + 1;
  }
  return { summary, sockstat, counts };
}

/** `%-9d` */
const cell = (n: number) => String(n).padEnd(9);

/** The summary exactly as `ss -s` prints it (iproute2's print_summary), trailing spaces and blank lines included. */
export function ssSummaryText({ total, tcp, transports }: SocketSummary): string {
  const lines = [
    `Total: ${String(total)}`,
    `TCP:   ${String(tcp.total)} (estab ${String(tcp.estab)}, closed ${String(tcp.closed)}, orphaned ${String(tcp.orphaned)}, timewait ${String(tcp.timewait)})`,
    '',
    'Transport Total     IP        IPv6',
    ...(['RAW', 'UDP', 'TCP', 'INET', 'FRAG'] as const).map((name) => {
      const row = transports[name];
      return `${name}\t  ${cell(row.total)} ${cell(row.ip)} ${cell(row.ipv6)}`;
    }),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

function stateTable(counts: Stats['counts']): { headers: string[]; rows: string[][] } {
  const states = [...new Set(Object.values(counts).flatMap((row) => Object.keys(row) as SocketState[]))];
  const rows = Object.entries(counts).map(([proto, row]) => [proto, ...states.map((s) => String(row[s] ?? 0))]);
  return { headers: ['Proto', ...states.map(stateLabel)], rows };
}

/** Prints the summary in the chosen format (`ls -s` and `stats`). */
export async function printStats(io: CliIo, format: Format): Promise<void> {
  const stats = await gather(backendOf(io));
  if (format === 'json' || format === 'ndjson') {
    io.stdout.write(`${JSON.stringify(stats, null, format === 'json' ? 2 : 0)}\n`);
    return;
  }
  const { headers, rows } = stateTable(stats.counts);
  if (format === 'csv') {
    io.stdout.write(renderCsv(headers, rows));
    return;
  }
  const columns = headers.map((header, i) => ({ header, align: i === 0 ? ('left' as const) : ('right' as const) }));
  const extra = 'Extra, not in ss -s: sockets of this namespace by protocol and state, as portscope ls lists them';
  io.stdout.write(
    `${ssSummaryText(stats.summary)}${extra}\n${renderTable(columns, rows, { header: true, width: undefined })}`,
  );
}

/** `portscope stats`: what `ss -s` prints, plus socket counts by protocol and state. */
export function statsCommand(io: CliIo) {
  return new Command('stats')
    .description('socket summary exactly as ss -s, then (extra) counts by protocol and state')
    .option('--json', 'print as JSON')
    .option('--format <format>', 'table | json | csv', 'table')
    .action(async (options) => {
      await printStats(io, chooseFormat(options));
    });
}
