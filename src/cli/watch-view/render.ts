import type { Colors } from 'picocolors/types.js';
import type { Listener } from '../../monitor/types.js';
import { SPARK_STATES, sparkline, type ViewRow, type ViewState } from './state.js';

/** Sort orders `s` cycles through. */
export const SORTS = ['port', 'protocol', 'process', 'queue'] as const;
export type Sort = (typeof SORTS)[number];

/** An accept queue at or above this fraction of its backlog is shown as a warning. */
const QUEUE_WARNING = 0.8;

/** What the screen shows besides the state. */
export interface ViewSettings {
  readonly host: string;
  readonly intervalMs: number;
  readonly paused: boolean;
  readonly sort: Sort;
  readonly filter: string;
  /** A line typed after `/`, while it is being typed. */
  readonly typing?: string;
  /** A one-line message (a bad filter). */
  readonly message?: string;
}

const pad = (text: string, width: number) => (text.length >= width ? text.slice(0, width) : text.padEnd(width));

const processOf = (l: Listener) =>
  l.owners.length === 0 ? '' : l.owners.map((o) => `${o.command}(${String(o.pid)})`).join(',');

function compare(sort: Sort): (a: ViewRow, b: ViewRow) => number {
  const byPort = (a: ViewRow, b: ViewRow) => a.listener.local.port - b.listener.local.port;
  switch (sort) {
    case 'protocol':
      return (a, b) => a.listener.protocol.localeCompare(b.listener.protocol) || byPort(a, b);
    case 'process':
      return (a, b) => processOf(a.listener).localeCompare(processOf(b.listener)) || byPort(a, b);
    case 'queue':
      return (a, b) => (b.listener.acceptQueue ?? -1) - (a.listener.acceptQueue ?? -1) || byPort(a, b);
    default:
      return (a, b) => byPort(a, b) || a.listener.key.localeCompare(b.listener.key);
  }
}

/** The accept queue against the backlog (`3/128`), `16`-wide, in red with ` FULL?` from 80% up. */
function queueCell(l: Listener, c: Colors): string {
  if (l.acceptQueue === undefined) return pad('', 16);
  const text = `${String(l.acceptQueue)}/${l.backlog === undefined ? '?' : String(l.backlog)}`;
  if (l.backlog === undefined || l.backlog === 0 || l.acceptQueue < l.backlog * QUEUE_WARNING) return pad(text, 16);
  return c.red(c.bold(pad(`${text} FULL?`, 16)));
}

/** The whole screen as text with ANSI attributes, `rows` x `columns` at most. */
export function renderView(
  state: ViewState,
  rows: readonly ViewRow[],
  settings: ViewSettings,
  size: { rows: number; columns: number },
  c: Colors,
): string {
  const head = [
    c.bold('portscope watch'),
    settings.host,
    new Date().toTimeString().slice(0, 8),
    `every ${String(settings.intervalMs)}ms`,
    `sort: ${settings.sort}`,
    settings.filter === '' ? '' : `filter: ${settings.filter}`,
    settings.paused ? c.inverse(' PAUSED ') : '',
  ].filter((s) => s !== '');
  const lines = [head.join('  ')];
  const states = SPARK_STATES.map(([label]) => {
    const values = state.history.map((h) => h.counts.get(label) ?? 0);
    const now = values.at(-1);
    return `${label} ${now === undefined ? '-' : String(now)} ${sparkline(values)}`;
  });
  lines.push(`TCP (last minute)  ${states.join('   ')}`);
  for (const o of state.overflows.values()) {
    const grew = [o.last[0] - o.first[0], o.last[1] - o.first[1]];
    const text = `netns ${o.netns}: ListenOverflows +${String(grew[0])}  ListenDrops +${String(grew[1])} since start`;
    lines.push((grew[0] ?? 0) > 0 || (grew[1] ?? 0) > 0 ? c.yellow(text) : text);
  }
  lines.push('');
  lines.push(c.bold(`${pad('Proto', 7)}${pad('Address', 28)}${pad('Port', 7)}${pad('Accept-Q', 16)}Process`));
  const sorted = [...rows].sort(compare(settings.sort));
  const room = Math.max(0, size.rows - lines.length - 2);
  for (const row of sorted.slice(0, room)) {
    const l = row.listener;
    const port = l.protocol === 'unix' ? '' : String(l.local.port);
    const left = `${pad(l.protocol, 7)}${pad(l.local.address, 28)}${pad(port, 7)}`;
    let text = `${left}${queueCell(l, c)}${processOf(l).slice(0, Math.max(0, size.columns - 58))}`;
    if (row.removedMs !== undefined) text = c.strikethrough(c.dim(text));
    else if (row.addedMs !== undefined) text = c.green(c.bold(text));
    lines.push(text);
  }
  if (sorted.length > room) lines.push(c.dim(`... ${String(sorted.length - room)} more`));
  while (lines.length < size.rows - 1) lines.push('');
  const foot =
    settings.typing !== undefined ? `/${settings.typing}` : (settings.message ?? 'q quit  p pause  / filter  s sort');
  lines.push(foot.slice(0, size.columns));
  return lines.map((l) => `${l}\x1b[K`).join('\r\n');
}
