import { listenerKey } from '../../audit/listener-key.js';
import type { AuditReport, Finding, ListenerExposure } from '../../audit/index.js';
import type { Colors } from 'picocolors/types.js';
import { printable } from './format.js';
import { renderTable, type TableStyle } from './table.js';
import { ownerLabel } from '../../model/owner-user.js';

const REACH_ORDER = ['yes', 'partly', 'unknown', 'no'];

/** Listeners reachable from the network first (yes, partly, unknown, no), then by key. */
export function byExposure(listeners: readonly ListenerExposure[]): ListenerExposure[] {
  return [...listeners].sort(
    (a, b) =>
      REACH_ORDER.indexOf(a.reachable) - REACH_ORDER.indexOf(b.reachable) ||
      listenerKey(a).localeCompare(listenerKey(b)),
  );
}

function owners(l: ListenerExposure): string {
  if (l.owners.length === 0) return `(${l.ownerStatus})`;
  return l.owners.map(ownerLabel).join(',');
}

function local(l: ListenerExposure): string {
  const a = l.local.address;
  return `${a.includes(':') ? `[${a}]` : a}:${String(l.local.port)}`;
}

function scope(l: ListenerExposure): string {
  const families = l.scope.families.length > 1 ? '(v4+v6)' : '';
  return `${l.scope.kind}${l.scope.interface === undefined ? '' : `@${l.scope.interface}`}${families}`;
}

/** A summary line: listeners, how many reachable, findings by severity. */
export function summaryLine(report: AuditReport): string {
  const reachable = report.listeners.filter((l) => l.reachable === 'yes' || l.reachable === 'partly').length;
  const counts = new Map<string, number>();
  for (const f of report.findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const bySeverity = [...counts].map(([s, n]) => `${String(n)} ${s}`).join(', ');
  return `${String(report.listeners.length)} listeners, ${String(reachable)} reachable from the network; ${String(report.findings.length)} findings${bySeverity === '' ? '' : ` (${bySeverity})`}`;
}

/** The listeners as a table (reachable from the network first), then the findings with evidence and fix. */
export function auditTable(report: AuditReport, style: TableStyle, c: Colors): string {
  const paintReach = (t: string) =>
    t === 'yes' ? c.red(t) : t === 'partly' || t === 'unknown' ? c.yellow(t) : c.green(t);
  const rows = byExposure(report.listeners).map((l) => [
    l.reachable,
    l.protocol,
    local(l),
    l.netnsName ?? String(l.netns),
    scope(l),
    printable(owners(l)),
    printable(l.reason),
  ]);
  let out = renderTable(
    [
      { header: 'REACHABLE', paint: paintReach },
      { header: 'PROTO' },
      { header: 'LOCAL' },
      { header: 'NETNS' },
      { header: 'SCOPE' },
      { header: 'PROCESS' },
      { header: 'REASON', elastic: true },
    ],
    rows,
    style,
  );
  out += `\n${summaryLine(report)}\n`;
  for (const f of report.findings) out += findingText(f, c);
  return out;
}

function findingText(f: Finding, c: Colors): string {
  const paint = f.severity === 'critical' || f.severity === 'high' ? c.red : f.severity === 'medium' ? c.yellow : c.dim;
  let out = `\n${paint(f.severity.toUpperCase())} ${printable(f.title)}\n    ${c.dim(f.id)}\n`;
  for (const e of f.evidence) out += `    ${c.dim('•')} ${printable(e)}\n`;
  return `${out}    ${c.cyan('→')} ${f.fix}\n`;
}

const cell = (text: string) => printable(text).replaceAll('|', '\\|');

/** The report as Markdown, to paste into a ticket. */
export function auditMarkdown(report: AuditReport): string {
  const lines = [`# Port audit of ${cell(report.host)}`, '', `Taken at ${report.takenAt}: ${summaryLine(report)}.`, ''];
  lines.push('## Findings', '');
  if (report.findings.length === 0) lines.push('None.', '');
  for (const f of report.findings) {
    lines.push(`### ${f.severity.toUpperCase()}: ${cell(f.title)}`, '', `\`${f.id}\``, '');
    for (const e of f.evidence) lines.push(`- ${cell(e)}`);
    lines.push('', `**Fix:** ${cell(f.fix)}`, '');
  }
  lines.push(
    '## Listeners',
    '',
    '| Reachable | Protocol | Local | Netns | Scope | Owners | Reason |',
    '|---|---|---|---|---|---|---|',
  );
  for (const l of byExposure(report.listeners)) {
    const row = [
      l.reachable,
      l.protocol,
      `\`${local(l)}\``,
      l.netnsName ?? String(l.netns),
      scope(l),
      owners(l),
      l.reason,
    ];
    lines.push(`| ${row.map(cell).join(' | ')} |`);
  }
  for (const w of report.warnings) lines.push('', `> ${cell(w.code)}: ${cell(w.message)}`);
  return `${lines.join('\n')}\n`;
}
