import { readFileSync } from 'node:fs';
// The leaf module, not inventory/index.js: inventory imports registry (service names in filters).
import { currentPlatform, type PlatformName } from '../inventory/platform.js';

/** The kernel's port settings, from /proc/sys/net/ipv4/. */
export interface KernelPortSettings {
  /** ip_local_port_range: where the kernel picks ephemeral (client and port-0) ports, inclusive. */
  readonly ephemeral: { readonly from: number; readonly to: number };
  /** ip_local_reserved_ports: ranges the kernel never picks as ephemeral. */
  readonly reserved: readonly { readonly from: number; readonly to: number }[];
  /** ip_unprivileged_port_start: ports below it need root or CAP_NET_BIND_SERVICE to bind. */
  readonly unprivilegedStart: number;
}

/** Linux defaults, for a machine whose /proc/sys cannot be read. */
const DEFAULTS: KernelPortSettings = { ephemeral: { from: 32768, to: 60999 }, reserved: [], unprivilegedStart: 1024 };

/**
 * The shipped settings of the other platforms, which have no /proc/sys: macOS net.inet.ip.portrange.first/
 * last 49152-65535 and no privileged ports since 10.14; FreeBSD portrange 10000-65535 and reserved ports
 * below 1024 (net.inet.ip.portrange.reservedhigh 1023); Windows' dynamic range 49152-65535 (netsh int ipv4
 * show dynamicport) and no privileged ports. A machine tuned otherwise is not read.
 */
const OTHER_DEFAULTS: Readonly<Record<Exclude<PlatformName, 'linux'>, KernelPortSettings>> = {
  darwin: { ephemeral: { from: 49152, to: 65535 }, reserved: [], unprivilegedStart: 0 },
  freebsd: { ephemeral: { from: 10000, to: 65535 }, reserved: [], unprivilegedStart: 1024 },
  win32: { ephemeral: { from: 49152, to: 65535 }, reserved: [], unprivilegedStart: 0 },
};

/** Parses ip_local_reserved_ports text (`8080,9000-9010`, or empty) into ranges. Pure. */
export function parseReservedPorts(text: string): { from: number; to: number }[] {
  const ranges: { from: number; to: number }[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (m === null) continue;
    const from = Number(m[1]);
    ranges.push({ from, to: m[2] === undefined ? from : Number(m[2]) });
  }
  return ranges;
}

function read(name: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Reads this machine's port settings from /proc/sys/net/ipv4/{ip_local_port_range,
 * ip_local_reserved_ports,ip_unprivileged_port_start}; Linux's defaults where unreadable. Outside Linux
 * (see currentPlatform) nothing is read: the platform's shipped settings (see OTHER_DEFAULTS).
 * @throws PortscopeError `UNSUPPORTED_PLATFORM` for an OS without a backend.
 */
export function readKernelPortSettings(): KernelPortSettings {
  const platform = currentPlatform();
  if (platform !== 'linux') return OTHER_DEFAULTS[platform];
  const range = (read('ip_local_port_range') ?? '').trim().split(/\s+/).map(Number);
  const startText = read('ip_unprivileged_port_start');
  const start = Number(startText?.trim());
  const [from, to] = range;
  return {
    ephemeral: from !== undefined && to !== undefined && to >= from && from > 0 ? { from, to } : DEFAULTS.ephemeral,
    reserved: parseReservedPorts(read('ip_local_reserved_ports') ?? ''),
    unprivilegedStart:
      startText !== undefined && Number.isInteger(start) && start >= 0 ? start : DEFAULTS.unprivilegedStart,
  };
}
