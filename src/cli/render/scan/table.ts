import { shownServiceName } from './service-name.js';
import type { Colors } from 'picocolors/types.js';
import type { HostResult, PortResult } from '../../../scan/index.js';
import { renderTable, type Column } from '../table.js';
import { groupByHost, splitShown } from './group.js';

/** How the scan table is drawn. */
export interface ScanTableOptions {
  readonly openOnly: boolean;
  readonly reason: boolean;
  readonly colors: Colors;
  readonly width: number | undefined;
}

function hostLine(host: HostResult): string {
  const name = host.hostname === undefined ? host.address : `${host.hostname} (${host.address})`;
  const rtt = host.rttMs === undefined ? '' : `, ${host.rttMs.toFixed(2)} ms`;
  return `${name}: ${host.status} (${host.reason}${rtt})`;
}

function stateColor(state: string, colors: Colors): string {
  if (state === 'open') return colors.green(state);
  if (state === 'closed') return colors.dim(state);
  return colors.yellow(state);
}

/**
 * The nmap-like table: per host a line with its status, then `PORT STATE SERVICE [REASON] [VERSION]`,
 * and "Not shown" lines for states collapsed past 25 ports (or all but open with --open).
 */
export function renderScanTable(
  hosts: readonly HostResult[],
  ports: readonly PortResult[],
  options: ScanTableOptions,
): string {
  const { colors } = options;
  const out: string[] = [];
  const detected = ports.some((p) => p.service !== undefined);
  for (const { host, ports: list } of groupByHost(hosts, ports)) {
    if (options.openOnly && !list.some((p) => p.state === 'open')) continue;
    out.push(colors.bold(hostLine(host)));
    if (host.status !== 'up') continue;
    const { shown, hidden } = splitShown(list, options.openOnly);
    for (const h of hidden) {
      const reasons = [...h.reasons]
        .map(([reason, count]) => (h.reasons.size === 1 ? reason : `${String(count)} ${reason}`))
        .join(', ');
      out.push(`Not shown: ${String(h.count)} ${h.state} ${h.protocol} port${h.count === 1 ? '' : 's'} (${reasons})`);
    }
    if (shown.length === 0) {
      out.push('');
      continue;
    }
    const columns: Column[] = [
      { header: 'PORT' },
      { header: 'STATE', paint: (s) => stateColor(s, colors) },
      { header: 'SERVICE' },
      ...(options.reason ? [{ header: 'REASON' }] : []),
      ...(detected ? [{ header: 'VERSION', elastic: true }] : []),
    ];
    const rows = shown.map((p) => [
      `${String(p.port)}/${p.protocol}`,
      p.state,
      shownServiceName(p) ?? '',
      ...(options.reason ? [p.error === undefined || p.reason !== 'error' ? p.reason : p.error.toLowerCase()] : []),
      ...(detected
        ? [
            [p.service?.banner, p.service?.tls?.subject === undefined ? undefined : `cert CN=${p.service.tls.subject}`]
              .filter((x) => x !== undefined)
              .join('; '),
          ]
        : []),
    ]);
    out.push(
      renderTable(columns, rows, { header: true, width: options.width, paintHeader: colors.bold }).trimEnd(),
      '',
    );
  }
  return out.length === 0 ? '' : `${out.join('\n').trimEnd()}\n`;
}
