import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { FilterContext } from '../filter/index.js';

const CGROUP2_MOUNT = '/sys/fs/cgroup';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Host name -> addresses, from /etc/hosts (every line that names it, IPv4 first as ss asks for them).
 * No DNS query is made: a socket listing never waits on the network. `localhost` falls back to
 * 127.0.0.1 and ::1 when /etc/hosts does not name it.
 */
export function hostsResolver(path = '/etc/hosts'): (name: string) => readonly string[] {
  let table: Map<string, string[]> | undefined;
  return (name) => {
    if (table === undefined) {
      table = new Map();
      for (const raw of (readText(path) ?? '').split('\n')) {
        const [address, ...names] = raw.replace(/#.*/, '').trim().split(/\s+/);
        if (address === undefined || address === '') continue;
        for (const n of names) table.set(n.toLowerCase(), [...(table.get(n.toLowerCase()) ?? []), address]);
      }
    }
    const found = table.get(name.toLowerCase()) ?? [];
    if (found.length === 0 && name.toLowerCase() === 'localhost') return ['127.0.0.1', '::1'];
    return [...found.filter((a) => !a.includes(':')), ...found.filter((a) => a.includes(':'))];
  };
}

/** Interface name -> ifindex in portscope's own network namespace, from /sys/class/net/NAME/ifindex. */
export function interfaceIndex(name: string): number | undefined {
  if (name.includes('/') || name === '.' || name === '..') return undefined;
  const text = readText(`/sys/class/net/${name}/ifindex`);
  return text === undefined ? undefined : Number(text.trim());
}

/**
 * cgroup v2 path -> cgroup id (the inode of its directory, which is the id the kernel reports), as ss
 * reads it: the path as written when it lies under the cgroup2 mount, else relative to that mount.
 */
export function cgroupId(path: string): number | undefined {
  const inMount = isAbsolute(path) && (path === CGROUP2_MOUNT || path.startsWith(`${CGROUP2_MOUNT}/`));
  const full = inMount ? path : join(CGROUP2_MOUNT, path.replace(/^\/+/, ''));
  try {
    const stat = statSync(full);
    return stat.isDirectory() ? stat.ino : undefined;
  } catch {
    return undefined;
  }
}

/** net.ipv4.ip_local_port_range of portscope's own namespace (the kernel default when unreadable). */
export function ephemeralPorts(): readonly [number, number] {
  const [low, high] = (readText('/proc/sys/net/ipv4/ip_local_port_range') ?? '').trim().split(/\s+/).map(Number);
  return low !== undefined && high !== undefined && low > 0 && high >= low ? [low, high] : [32768, 60999];
}

/** The machine resolvers of a FilterContext on Linux (each reads only when the filter asks). */
export function linuxFilterResolvers(): Pick<
  FilterContext,
  'hostAddresses' | 'interfaceIndex' | 'cgroupId' | 'ephemeralPorts'
> {
  return { hostAddresses: hostsResolver(), interfaceIndex, cgroupId, ephemeralPorts: ephemeralPorts() };
}
