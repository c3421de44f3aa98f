import { Command } from '@commander-js/extra-typings';
import { listSockets, readSockstat, type Backend } from '../../inventory/index.js';
import { backendOf, type CliIo } from '../io.js';
import { renderCsv } from '../render/csv.js';
import { stateLabel } from '../render/format.js';
import { chooseFormat, type Format } from '../render/output.js';
import { renderTable } from '../render/table.js';
import type { SocketState } from '../../model/index.js';

/** Socket counts by protocol and state, with the kernel's sockstat counters. */
export interface Stats {
  readonly sockstat: ReturnType<typeof readSockstat>;
  readonly counts: Record<string, Partial<Record<SocketState, number>>>;
}

async function gather(backend: Backend): Promise<Stats> {
  const sockstat = readSockstat();
  const { sockets } = await listSockets({ owners: false, netns: 'host', backend });
  const counts: Stats['counts'] = {};
  for (const s of sockets) {
    const key = s.family === 'inet6' ? `${s.protocol}6` : s.protocol;
    const row = (counts[key] ??= {});
    row[s.state] = (row[s.state] ?? 0) + 1;
  }
  return { sockstat, counts };
}

function summary({ sockstat: k, counts }: Stats): string {
  const n = (table: string, key: string) => k[table]?.[key] ?? 0;
  const tcp = { ...counts.tcp };
  const tcp6 = { ...counts.tcp6 };
  const estab = (tcp.ESTABLISHED ?? 0) + (tcp6.ESTABLISHED ?? 0);
  const listen = (tcp.LISTEN ?? 0) + (tcp6.LISTEN ?? 0);
  const lines = [
    `Total: ${String(n('sockets', 'used'))}`,
    `TCP:   ${String(n('TCP', 'alloc'))} (estab ${String(estab)}, listen ${String(listen)}, orphaned ${String(n('TCP', 'orphan'))}, timewait ${String(n('TCP', 'tw'))})`,
    '',
  ];
  const rows = ['RAW', 'UDP', 'UDPLITE', 'TCP', 'FRAG'].map((p) => {
    const v4 = n(p, 'inuse');
    const v6 = n(`${p}6`, 'inuse');
    return [p, String(v4 + v6), String(v4), String(v6)];
  });
  const columns = [
    { header: 'Transport' },
    { header: 'Total', align: 'right' as const },
    { header: 'IP', align: 'right' as const },
    { header: 'IPv6', align: 'right' as const },
  ];
  return `${lines.join('\n')}\n${renderTable(columns, rows, { header: true, width: undefined })}`;
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
  io.stdout.write(`${summary(stats)}\n${renderTable(columns, rows, { header: true, width: undefined })}`);
}

/** `portscope stats`: what `ss -s` prints, plus socket counts by protocol and state. */
export function statsCommand(io: CliIo) {
  return new Command('stats')
    .description('socket summary (as ss -s) from /proc/net/sockstat{,6}, and counts by state')
    .option('--json', 'print as JSON')
    .option('--format <format>', 'table | json | csv', 'table')
    .action(async (options) => {
      await printStats(io, chooseFormat(options));
    });
}
