import { hostname } from 'node:os';
import { PortscopeError } from '../../errors.js';
import type { Snapshot, SnapshotWarning } from '../../model/index.js';
import { compileFilter } from '../filter/compile.js';
import { needsOwners } from '../filter/analyze.js';
import type { NormalizedListOptions } from '../options.js';
import { buildSockets, systemOwnedWarning } from './build-sockets.js';
import { readWindowsTables } from './read-sources.js';

function checkOptions(options: NormalizedListOptions): SnapshotWarning[] {
  if (options.netns !== 'all' && options.netns !== 'host') {
    throw new PortscopeError(
      'NOT_FOUND',
      `Windows has no network namespaces: expected netns 'all' or 'host', got \`${String(options.netns)}\``,
    );
  }
  const asked = Object.entries({ tcpInfo: options.tcpInfo, skmem: options.skmem, tos: options.tos })
    .concat([['inetSockopt', options.inetSockopt]])
    .filter(([, on]) => on)
    .map(([name]) => name);
  return asked.length === 0
    ? []
    : [
        {
          code: 'DETAILS_UNAVAILABLE',
          message: `${asked.join(', ')} come from Linux's sock_diag, which Windows does not have: not given`,
        },
      ];
}

/**
 * The Windows backend of listSockets: TCP and UDP sockets from PowerShell's Get-NetTCPConnection and
 * Get-NetUDPEndpoint, owners from Get-CimInstance Win32_Process (name, command line, executable, start
 * time), all in one PowerShell run; `netstat -ano` (owner pids only) when PowerShell is missing or fails (the
 * snapshot then has a `POWERSHELL_UNAVAILABLE` warning). Only `tcp` and `udp`, `inet` and `inet6` exist here;
 * other protocols and families give no sockets. Sockets have no inode, uid, netns or queues (Windows has
 * none); `namespaces` is empty. Sockets held by PID 4 get a `SYSTEM_OWNED` warning (http.sys, SMB); the
 * source used is in a `SOURCE` warning.
 * @throws PortscopeError `NOT_FOUND` for a `netns` other than 'all' or 'host', `IO_ERROR` when neither
 *   PowerShell nor netstat answers.
 */
export async function collectWin32(options: NormalizedListOptions): Promise<Snapshot> {
  const takenAt = new Date().toISOString();
  const warnings = checkOptions(options);
  const ownerPredicates = needsOwners(options.filter);
  const wantOwners = options.owners || ownerPredicates;
  const predicate = compileFilter(options.filter, { users: new Map(), netnsNames: new Map() });
  const tables = await readWindowsTables(wantOwners);
  warnings.push(...tables.warnings);
  const rows = tables.rows.filter(
    (r) => options.protocols.has(r.protocol) && options.families.has(r.localAddress.includes(':') ? 'inet6' : 'inet'),
  );
  const sockets = buildSockets(rows, tables.processes).filter(predicate);
  if (!options.owners && ownerPredicates) {
    for (const s of sockets) {
      s.owners = [];
      s.ownerStatus = 'not-requested';
    }
  }
  const system = systemOwnedWarning(sockets);
  if (system !== undefined) warnings.push(system);
  return { schemaVersion: 1, takenAt, host: hostname(), platform: 'win32', namespaces: [], warnings, sockets };
}
