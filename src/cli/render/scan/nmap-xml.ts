import { registryName } from './service-name.js';
import type { HostResult, PortResult, ScanSummary } from '../../../scan/index.js';
import { compactRanges, groupByHost, splitShown } from './group.js';

/** What the XML header needs besides the results. */
export interface RunInfo {
  readonly args: string;
  readonly version: string;
  readonly protocols: readonly ('tcp' | 'udp')[];
  readonly ports: { readonly tcp: readonly number[]; readonly udp: readonly number[] };
}

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);

const attrs = (fields: Record<string, string | number | undefined>) =>
  Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escape(String(v))}"`)
    .join('');

function portXml(p: PortResult): string {
  const name = p.service === undefined ? registryName(p) : undefined;
  const service = p.service ?? (name === undefined ? undefined : { name });
  const serviceXml =
    service === undefined
      ? ''
      : `<service${attrs({
          name: service.name,
          extrainfo: 'banner' in service ? service.banner : undefined,
          tunnel: p.service?.tls === undefined ? undefined : 'ssl',
          method: p.service === undefined ? 'table' : 'probed',
          conf: p.service === undefined ? 3 : 10,
        })}/>`;
  return `<port${attrs({ protocol: p.protocol, portid: p.port })}><state${attrs({ state: p.state, reason: p.reason, reason_ttl: 0 })}/>${serviceXml}</port>`;
}

/**
 * nmap's XML output (`-oX`, DTD 1.05 element and attribute names: nmaprun, scaninfo, host, status,
 * address, hostnames, ports, extraports, port, state, service, runstats), so that tools that read
 * nmap XML read ours. States past 25 ports are summarised in `extraports`, as nmap does, and with
 * `openOnly` (nmap's `--open`) every state but open.
 */
export function renderNmapXml(
  hosts: readonly HostResult[],
  ports: readonly PortResult[],
  summary: ScanSummary,
  info: RunInfo,
  openOnly = false,
): string {
  const start = Math.floor(Date.parse(summary.startedAt) / 1000);
  const end = Math.floor((Date.parse(summary.startedAt) + summary.elapsedMs) / 1000);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE nmaprun>',
    `<nmaprun${attrs({ scanner: 'portscope', args: info.args, start, startstr: new Date(start * 1000).toUTCString(), version: info.version, xmloutputversion: '1.05' })}>`,
  ];
  for (const protocol of info.protocols) {
    const list = info.ports[protocol];
    lines.push(
      `<scaninfo${attrs({ type: protocol === 'tcp' ? 'connect' : 'udp', protocol, numservices: list.length, services: compactRanges(list) })}/>`,
    );
  }
  for (const { host, ports: list } of groupByHost(hosts, ports)) {
    // nmap marks a host that hit --host-timeout `timedout="true"`, keeps it up, and lists none of its ports.
    const timedOut = host.status === 'timed-out';
    lines.push(`<host${attrs({ starttime: start, endtime: end, ...(timedOut ? { timedout: 'true' } : {}) })}>`);
    lines.push(
      `<status${attrs({ state: host.status === 'down' ? 'down' : 'up', reason: host.reason, reason_ttl: 0 })}/>`,
    );
    lines.push(`<address${attrs({ addr: host.address, addrtype: host.address.includes(':') ? 'ipv6' : 'ipv4' })}/>`);
    lines.push(
      host.hostname === undefined
        ? '<hostnames/>'
        : `<hostnames><hostname${attrs({ name: host.hostname, type: 'user' })}/></hostnames>`,
    );
    if (host.status === 'up') {
      const { shown, hidden } = splitShown(list, openOnly);
      lines.push('<ports>');
      for (const h of hidden) {
        const reasons = [...h.reasons]
          .map(
            ([reason, count]) =>
              `<extrareasons${attrs({ reason, count, proto: h.protocol, ports: compactRanges(h.ports) })}/>`,
          )
          .join('');
        lines.push(`<extraports${attrs({ state: h.state, count: h.count })}>${reasons}</extraports>`);
      }
      for (const p of shown) lines.push(portXml(p));
      lines.push('</ports>');
      if (host.rttMs !== undefined)
        lines.push(
          `<times${attrs({ srtt: Math.round(host.rttMs * 1000), rttvar: 0, to: Math.round(summary.timing.minRttTimeoutMs * 1000) })}/>`,
        );
    }
    lines.push('</host>');
  }
  const total = summary.hosts.up + summary.hosts.down + summary.hosts.timedOut;
  const up = summary.hosts.up + summary.hosts.timedOut;
  const elapsed = (summary.elapsedMs / 1000).toFixed(2);
  lines.push(
    '<runstats>',
    `<finished${attrs({ time: end, timestr: new Date(end * 1000).toUTCString(), elapsed, summary: `portscope done; ${String(total)} IP address${total === 1 ? '' : 'es'} (${String(up)} host${up === 1 ? '' : 's'} up) scanned in ${elapsed} seconds`, exit: 'success' })}/>`,
    `<hosts${attrs({ up, down: summary.hosts.down, total })}/>`,
    '</runstats>',
    '</nmaprun>',
  );
  return `${lines.join('\n')}\n`;
}
