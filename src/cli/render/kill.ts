import type { Socket } from '../../model/index.js';
import { ownerUser } from '../../model/owner-user.js';
import type { KillCandidate, KillPlan, KillReport, KillResult, NetnsRef, NewHolder } from '../../ports/index.js';
import { colorsFor, type CliIo } from '../io.js';
import { endpointLabel, placeLabel, printable, stateLabel } from './format.js';
import { renderTable } from './table.js';

/** Outcomes after which the process no longer holds the port. */
export const SETTLED = new Set<KillResult['outcome']>(['terminated', 'killed', 'gone', 'not-owner', 'signalled']);

function socketLabel(s: Socket): string {
  return `${s.protocol} ${stateLabel(s.state)} ${endpointLabel(s, s.local, { numeric: true })}`;
}

/** A network namespace as `ip netns` names it, else its inode; `(ours)` for the caller's own. */
function netnsLabel(ref: NetnsRef): string {
  return `${ref.name ?? String(ref.inode)}${ref.own ? ' (ours)' : ''}`;
}

/** The namespaces of a candidate's sockets, with its container when known. */
function netnsCell(c: KillCandidate): string {
  const container = c.owner.container === undefined ? '' : ` ${placeLabel([c.owner])}`;
  return c.netns.map(netnsLabel).join(', ') + container;
}

/** True when some candidate or skipped holder has a socket outside the caller's namespace. */
function reachesOtherNetns(plan: KillPlan): boolean {
  return [...plan.candidates, ...plan.skipped].some((c) => c.netns.some((n) => !n.own));
}

/** The plan: one row per process, with a Netns column when a socket lives outside ours. */
export function planTable(plan: KillPlan, io: CliIo): string {
  const withNetns = reachesOtherNetns(plan);
  const rows = plan.candidates.map((c) => [
    String(c.owner.pid),
    ownerUser(c.owner),
    printable(c.owner.cmdline?.join(' ') ?? c.owner.command),
    placeLabel([c.owner]) || '-',
    ...(withNetns ? [netnsCell(c)] : []),
    c.sockets.map(socketLabel).join(', ') +
      (c.refused === undefined ? '' : `  (never signalled: ${c.refused === 'init' ? 'pid 1' : 'portscope itself'})`),
  ]);
  const columns = [
    { header: 'PID', align: 'right' as const },
    { header: 'User' },
    { header: 'Command', elastic: true },
    { header: 'Unit/Container' },
    ...(withNetns ? [{ header: 'Netns' }] : []),
    { header: 'Socket' },
  ];
  const colors = colorsFor(io);
  return renderTable(columns, rows, { header: true, width: io.columns, paintHeader: colors.bold });
}

/** The confirmation question, naming the other namespaces the signals would reach. */
export function confirmQuestion(plan: KillPlan, signal: string): string {
  const signalled = plan.candidates.filter((c) => c.refused === undefined);
  const n = signalled.length;
  const foreign = signalled.filter((c) => c.netns.some((ref) => !ref.own));
  const names = [...new Set(foreign.flatMap((c) => c.netns.filter((ref) => !ref.own).map(netnsLabel)))];
  const where =
    foreign.length === 0 ? '' : ` (${String(foreign.length)} in another network namespace: ${names.join(', ')})`;
  return `Send ${signal} to ${String(n)} process${n === 1 ? '' : 'es'}${where}?`;
}

/** One stderr line per holder left alone in another namespace, with the option that would reach it. */
export function skippedLines(plan: KillPlan): string {
  return plan.skipped
    .map((c) => {
      const ns = c.netns.map(netnsLabel).join(', ');
      const name = c.netns[0]?.name ?? String(c.netns[0]?.inode ?? '');
      return `portscope: left alone: pid ${String(c.owner.pid)} (${printable(c.owner.command)}) holds the port in network namespace ${ns}, not ours; pass --netns ${name} or --all-netns to stop it\n`;
    })
    .join('');
}

function relationLabel(r: { relation?: NewHolder['relation']; relatedTo?: number }): string {
  const of = r.relatedTo === undefined ? '' : ` of ${String(r.relatedTo)}`;
  if (r.relation === 'child') return `child${of}`;
  if (r.relation === 'process-group') return `process group${of}`;
  return r.relation ?? '-';
}

/** The results, with the relation of holders found after the first signals when there are any. */
export function resultTable(results: readonly KillResult[], io: CliIo): string {
  const colors = colorsFor(io);
  const paint = (outcome: string) =>
    SETTLED.has(outcome as KillResult['outcome']) ? colors.green(outcome) : colors.red(outcome);
  const later = results.some((r) => r.round > 0);
  const rows = results.map((r) => [
    String(r.pid),
    printable(r.command),
    r.outcome,
    r.signals.join(',') || '-',
    `${String(r.elapsedMs)} ms`,
    ...(later ? [r.round === 0 ? 'planned' : relationLabel(r)] : []),
  ]);
  const columns = [
    { header: 'PID', align: 'right' as const },
    { header: 'Command' },
    { header: 'Result', paint },
    { header: 'Signals' },
    { header: 'After', align: 'right' as const },
    ...(later ? [{ header: 'Found' }] : []),
  ];
  return renderTable(columns, rows, { header: true, width: undefined, paintHeader: colors.bold });
}

/** The line for sockets on the port whose holders exist but cannot be seen by this user. */
export function hiddenLine(hidden: readonly Socket[]): string {
  return `portscope: ${String(hidden.length)} socket(s) on the port are held by processes this user cannot see (other users', or hidden by /proc's hidepid); run as root to stop them\n`;
}

/** What still holds the port after the signals, and how to go on; empty when it is free or was not looked at. */
export function stillHeldLine(report: KillReport, ports: readonly string[], untilFree: boolean): string {
  if (report.portFree !== false) return '';
  const holders = report.newHolders.map(
    (h) => `pid ${String(h.owner.pid)} (${printable(h.owner.command)}, ${relationLabel(h)})`,
  );
  for (const r of report.results) {
    if (!SETTLED.has(r.outcome)) holders.push(`pid ${String(r.pid)} (${printable(r.command)}, ${r.outcome})`);
  }
  // Nothing named: what is left belongs to processes out of sight (other users', hidepid).
  if (holders.length === 0) holders.push('processes this user cannot see');
  const hint =
    !untilFree && report.newHolders.some((h) => h.refused === undefined)
      ? '; pass --until-free to stop new holders too'
      : '';
  return `portscope: ${ports.join(' ')} is still held after the signals: ${holders.join(', ')}${hint}\n`;
}
