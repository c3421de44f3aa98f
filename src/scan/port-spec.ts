import { PortscopeError } from '../errors.js';
import { servicePorts, serviceNames } from '../registry/services.js';

/** The transport protocols a scan probes. */
export type ScanProtocol = 'tcp' | 'udp';

/** Ports to probe per protocol: ascending, without duplicates. */
export interface PortSet {
  readonly tcp: readonly number[];
  readonly udp: readonly number[];
}

const bad = (text: string, why: string) =>
  new PortscopeError(
    'INVALID_ARGUMENT',
    `Expected a port list like 22,80,1000-2000, T:80,U:53 or http, ${why}: \`${text}\``,
  );

/** `*` and `?` globs over service names, as nmap allows (`-p 'http*'`). */
function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function portsOfName(name: string, protocol: ScanProtocol, text: string): number[] {
  const names = /[*?]/.test(name) ? [...serviceNames()].filter((n) => globToRegExp(name).test(n)) : [name];
  const ports = names.flatMap((n) => servicePorts(n, protocol).map((e) => e.port));
  if (ports.length === 0 && servicePorts(name).length === 0 && !/[*?]/.test(name)) {
    throw bad(text, `got the unknown service name \`${name}\` in`);
  }
  return ports.filter((p) => p >= 1);
}

function parseBound(value: string, text: string): number {
  if (!/^\d{1,5}$/.test(value)) throw bad(text, `got \`${value}\` in`);
  const port = Number(value);
  if (port < 1 || port > 65535) throw bad(text, `ports are 1-65535, got ${value} in`);
  return port;
}

/**
 * Parses an nmap port list: `22,80,1000-2000`, open-ended ranges (`-` alone is 1-65535, `-1024`,
 * `60000-`), service names and globs (`http,ssh`, `'http*'`, from /etc/services and IANA), and the
 * protocol qualifiers `T:` and `U:`, each holding until the next (`U:53,111,T:21-25,80`). Ports
 * without a qualifier go to every protocol in `protocols` (default tcp only). Port 0 is refused.
 * Result: per protocol, ascending and unique; a protocol not in `protocols` stays empty.
 * @throws PortscopeError `INVALID_ARGUMENT` naming the bad element (unknown service, `S:` for SCTP,
 *   a port out of 1-65535, a reversed range, an empty list).
 */
export function parsePortSpec(spec: string, protocols: readonly ScanProtocol[] = ['tcp']): PortSet {
  // One mark per port: ascending and unique without a Set of 65,535 numbers and a sort (`-p-`).
  const sets: Record<ScanProtocol, Uint8Array> = { tcp: new Uint8Array(65536), udp: new Uint8Array(65536) };
  // The lowest and highest port marked: the walk below reads only between them (`-p 1` read 2 x 65,535 marks, ~1 ms
  // uncompiled, and a scan parses its port list more than once).
  let low = 65536;
  let high = 0;
  const mark = (into: Uint8Array, from: number, to: number) => {
    into.fill(1, from, to + 1);
    if (from < low) low = from;
    if (to > high) high = to;
  };
  let current: readonly ScanProtocol[] = protocols;
  const text = spec.trim();
  if (text === '') throw bad(spec, 'got an empty list');
  for (const raw of text.split(',')) {
    let item = raw.trim();
    const qualifier = /^([A-Za-z]):/.exec(item);
    if (qualifier !== null) {
      const letter = (qualifier[1] ?? '').toUpperCase();
      if (letter !== 'T' && letter !== 'U') throw bad(spec, `\`${letter}:\` is not a protocol here (T: or U:) in`);
      current = [letter === 'T' ? 'tcp' : 'udp'];
      item = item.slice(2);
    }
    if (item === '') throw bad(spec, 'got an empty element in');
    const range = /^(\d*)-(\d*)$/.exec(item);
    for (const protocol of current) {
      if (!protocols.includes(protocol)) continue;
      const into = sets[protocol];
      if (range !== null) {
        const from = range[1] === '' ? 1 : parseBound(range[1] ?? '', spec);
        const to = range[2] === '' ? 65535 : parseBound(range[2] ?? '', spec);
        if (from > to) throw bad(spec, `got the reversed range ${item} in`);
        mark(into, from, to);
      } else if (/^\d+$/.test(item)) {
        const port = parseBound(item, spec);
        mark(into, port, port);
      } else {
        for (const p of portsOfName(item, protocol, spec)) mark(into, p, p);
      }
    }
  }
  const sorted = (marks: Uint8Array) => {
    const ports: number[] = [];
    for (let p = low; p <= high; p++) if (marks[p] === 1) ports.push(p);
    return ports;
  };
  return { tcp: sorted(sets.tcp), udp: sorted(sets.udp) };
}

/** `ports` minus `excluded`, per protocol. */
export function excludePorts(ports: PortSet, excluded: PortSet): PortSet {
  const tcp = new Set(excluded.tcp);
  const udp = new Set(excluded.udp);
  return { tcp: ports.tcp.filter((p) => !tcp.has(p)), udp: ports.udp.filter((p) => !udp.has(p)) };
}
