import type { Endpoint, Socket, SnapshotWarning } from '../../model/index.js';
import type { WindowsEndpointRow } from './parse-powershell.js';
import {
  SYSTEM_PID,
  splitWindowsAddress,
  windowsOwner,
  windowsSocket,
  type WindowsOwnerFields,
} from './windows-model.js';

function wildcard(family: 'inet' | 'inet6'): Endpoint {
  return { address: family === 'inet6' ? '::' : '0.0.0.0', port: 0 };
}

/**
 * Sockets from endpoint rows, with their owners looked up in `processes` (pid -> process facts). Without
 * `processes` owners were not asked for (`not-requested`). Pid 0 means Windows has no owner (TIME_WAIT): `none`.
 * A pid missing from `processes` exited between the two queries: `gone`. IPv6 zones (`fe80::1%12`) go to
 * `ifindex`; a peer's zone is dropped (the local one names the interface).
 */
export function buildSockets(
  rows: readonly WindowsEndpointRow[],
  processes: ReadonlyMap<number, WindowsOwnerFields> | undefined,
): Socket[] {
  return rows.map((row) => {
    const local = splitWindowsAddress(row.localAddress);
    const peer =
      row.remoteAddress === undefined
        ? wildcard(local.family)
        : { address: splitWindowsAddress(row.remoteAddress).address, port: row.remotePort ?? 0 };
    const facts = processes?.get(row.pid);
    const [owners, ownerStatus] =
      processes === undefined
        ? [[], 'not-requested' as const]
        : row.pid === 0
          ? [[], 'none' as const]
          : facts === undefined
            ? [[], 'gone' as const]
            : [[windowsOwner(facts)], 'ok' as const];
    return windowsSocket({
      protocol: row.protocol,
      family: local.family,
      state: row.state,
      local: { address: local.address, port: row.localPort },
      peer,
      ...(local.ifindex === undefined ? {} : { ifindex: local.ifindex }),
      owners,
      ownerStatus,
    });
  });
}

/**
 * The warning for sockets PID 4 holds: that is the kernel, serving for http.sys (IIS, WinRM, HttpListener and
 * other URL reservations) or SMB/NetBIOS; `netsh http show servicestate` names the process behind an http.sys
 * port. Undefined when PID 4 holds none of `sockets`.
 */
export function systemOwnedWarning(sockets: readonly Socket[]): SnapshotWarning | undefined {
  const ports = new Set<number>();
  for (const s of sockets) if (s.owners.some((o) => o.pid === SYSTEM_PID)) ports.add(s.local.port);
  if (ports.size === 0) return undefined;
  const list = [...ports].sort((a, b) => a - b).join(', ');
  return {
    code: 'SYSTEM_OWNED',
    pid: SYSTEM_PID,
    message: `Port${ports.size === 1 ? '' : 's'} ${list} ${ports.size === 1 ? 'is' : 'are'} held by PID 4 (System): the Windows kernel, for http.sys (IIS, WinRM, HttpListener and other URL reservations) or SMB; \`netsh http show servicestate\` names the process behind an http.sys port, and stopping PID 4 is not possible`,
  };
}
