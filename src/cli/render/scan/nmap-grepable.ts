import { shownServiceName } from './service-name.js';
import type { HostResult, PortResult, ScanSummary } from '../../../scan/index.js';
import { groupByHost, splitShown } from './group.js';
import type { RunInfo } from './nmap-xml.js';

/** A field of the Ports list may not hold nmap's separators: `/` becomes `|`, `,` becomes a space. */
const clean = (text: string) => text.replace(/\//g, '|').replace(/,/g, ' ');

/**
 * nmap's grepable output (`-oG`): per host a `Status:` line and a `Ports:` line of
 * `port/state/protocol/owner/service/rpc/version/` entries, and `Ignored State:` for the state
 * summarised past 25 ports (every state but open with `openOnly`, as nmap's `--open`), between `#` comment lines.
 */
export function renderNmapGrepable(
  hosts: readonly HostResult[],
  ports: readonly PortResult[],
  summary: ScanSummary,
  info: RunInfo,
  openOnly = false,
): string {
  const lines = [
    `# portscope ${info.version} scan initiated ${new Date(summary.startedAt).toUTCString()} as: ${info.args}`,
  ];
  for (const { host, ports: list } of groupByHost(hosts, ports)) {
    const who = `Host: ${host.address} (${host.hostname ?? ''})`;
    lines.push(`${who}\tStatus: ${host.status === 'up' ? 'Up' : host.status === 'down' ? 'Down' : 'Timeout'}`);
    if (host.status !== 'up') continue;
    const { shown, hidden } = splitShown(list, openOnly);
    const entries = shown.map(
      (p) =>
        `${String(p.port)}/${p.state}/${p.protocol}//${clean(shownServiceName(p) ?? '')}//${clean(p.service?.banner ?? '')}/`,
    );
    const ignored =
      hidden.length === 0 ? '' : `\tIgnored State: ${hidden.map((h) => `${h.state} (${String(h.count)})`).join(', ')}`;
    lines.push(`${who}\tPorts: ${entries.join(', ')}${ignored}`);
  }
  const total = summary.hosts.up + summary.hosts.down + summary.hosts.timedOut;
  const up = summary.hosts.up + summary.hosts.timedOut;
  const end = new Date(Date.parse(summary.startedAt) + summary.elapsedMs).toUTCString();
  lines.push(
    `# portscope done at ${end} -- ${String(total)} IP address${total === 1 ? '' : 'es'} (${String(up)} host${up === 1 ? '' : 's'} up) scanned in ${(summary.elapsedMs / 1000).toFixed(2)} seconds`,
  );
  return `${lines.join('\n')}\n`;
}
