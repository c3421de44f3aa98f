import { Command } from '@commander-js/extra-typings';
import { whoOwns } from '../../ports/who-owns.js';
import { lookupPort, lookupService } from '../../registry/lookup.js';
import type { PortInfo, PortService } from '../../registry/index.js';
import type { Socket } from '../../model/index.js';
import { backendOf, colorsFor, type CliIo } from '../io.js';
import { chooseFormat } from '../render/output.js';
import { endpointLabel, processLabel, stateLabel } from '../render/format.js';
import { renderTable } from '../render/table.js';

const SOURCE: Record<PortService['source'], string> = {
  'etc-services': '/etc/services',
  iana: 'IANA',
  'iana-range': 'IANA (range)',
  dev: 'common dev port',
};

function servicesTable(services: readonly PortService[]): string {
  const rows = services.map((s) => [
    s.name,
    s.protocol === 'any' ? String(s.port) : `${String(s.port)}/${s.protocol}`,
    SOURCE[s.source],
    s.description ?? '',
  ]);
  const columns = [{ header: 'Name' }, { header: 'Port' }, { header: 'Source' }, { header: 'Description' }];
  return renderTable(columns, rows, { header: true, width: undefined });
}

function kernelLine(info: PortInfo): string {
  const { ephemeral, unprivilegedStart } = info.kernel;
  const range = `${String(ephemeral.from)}-${String(ephemeral.to)}`;
  return [
    info.ephemeral
      ? `in the ephemeral range ${range} (clients may hold it briefly)`
      : `outside the ephemeral range ${range}`,
    info.reserved ? 'reserved (ip_local_reserved_ports)' : 'not reserved',
    info.privileged
      ? `privileged: below ${String(unprivilegedStart)}, binding needs root or CAP_NET_BIND_SERVICE`
      : `unprivileged (start ${String(unprivilegedStart)})`,
  ].join('; ');
}

function holderLines(sockets: readonly Socket[]): string[] {
  if (sockets.length === 0) return ['Held by: nothing on this machine'];
  return [
    'Held by:',
    ...sockets.map((s) => {
      const proto = s.family === 'inet6' ? `${s.protocol}6` : s.protocol;
      const owner = processLabel(s) || (s.ownerStatus === 'none' ? 'no process' : s.ownerStatus);
      return `  ${proto} ${stateLabel(s.state)} ${endpointLabel(s, s.local, { numeric: true })} ${owner}`;
    }),
  ];
}

/** `portscope info <port | service>`: names, class and kernel facts of a port, or the ports of a service. */
export function infoCommand(io: CliIo, setExit: (code: number) => void) {
  return new Command('info')
    .description('what a port usually is (IANA, /etc/services, dev tools) and who holds it; or the ports of a service')
    .argument('<port-or-service>', 'a port number (5432 or :5432) or a service name (postgresql)')
    .option('--json', 'print the result as JSON')
    .option('--format <format>', 'table | json', 'table')
    .action(async (what, options) => {
      const json = chooseFormat(options, ['table', 'json']) === 'json';
      // Anything number-like is a port (`-1` is a bad port, not an unknown service name).
      if (/^[-+]?:?\d+$/.test(what)) {
        const info = lookupPort(Number(what.replace(':', '')));
        const held = info.port === 0 ? [] : (await whoOwns(String(info.port), { backend: backendOf(io) })).sockets;
        if (json) {
          io.stdout.write(`${JSON.stringify({ ...info, holders: held }, null, 2)}\n`);
          return;
        }
        const bold = colorsFor(io).bold;
        const lines = [`${bold(`Port ${String(info.port)}`)} (${info.class})`];
        if (info.services.length > 0) lines.push(servicesTable(info.services).trimEnd());
        else lines.push('No registered service name.');
        lines.push(`Kernel: ${kernelLine(info)}`, ...holderLines(held));
        io.stdout.write(`${lines.join('\n')}\n`);
        return;
      }
      const service = lookupService(what);
      if (json) io.stdout.write(`${JSON.stringify(service, null, 2)}\n`);
      else if (service.ports.length > 0) io.stdout.write(servicesTable(service.ports));
      if (service.ports.length === 0) {
        const hint = service.suggestions.length > 0 ? `; did you mean ${service.suggestions.join(', ')}?` : '';
        if (!json) io.stderr.write(`portscope: unknown service \`${what}\`${hint}\n`);
        setExit(1);
      }
    });
}
