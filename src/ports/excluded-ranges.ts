import { isIP } from 'node:net';
import { currentPlatform } from '../inventory/platform.js';
import { excludedPortRangesWin32 } from '../inventory/win32/excluded-ports.js';
import type { ExcludedPortRange } from '../inventory/win32/index.js';

/**
 * The port ranges this platform will not let a listener bind on `host` (undefined: every address, IPv4
 * and IPv6) for `protocol`: on Windows the excluded port ranges of Hyper-V/WinNAT/WSL/Docker and the
 * administered ones (`netsh int ipv4|ipv6 show excludedportrange`, see excludedPortRangesWin32), where a
 * bind fails with EACCES although nothing listens. Empty on the other platforms, which have none.
 */
export async function unbindableRanges(
  protocol: 'tcp' | 'udp',
  host: string | undefined,
): Promise<ExcludedPortRange[]> {
  if (currentPlatform() !== 'win32') return [];
  const family = host === undefined ? undefined : isIP(host) === 6 ? 'inet6' : 'inet';
  return (await excludedPortRangesWin32()).filter(
    (r) => r.protocol === protocol && (family === undefined || r.family === family),
  );
}

/** The range of `ranges` that holds `port`, or undefined. */
export function rangeHolding(ranges: readonly ExcludedPortRange[], port: number): ExcludedPortRange | undefined {
  return ranges.find((r) => port >= r.start && port <= r.end);
}
