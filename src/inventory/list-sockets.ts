import type { Snapshot } from '../model/index.js';
import { collectLinux } from './linux/collect.js';
import { normalizeListOptions, type ListSocketsOptions } from './options.js';
import { currentPlatform } from './platform.js';

/**
 * Lists the sockets of this machine with the processes that hold them. The backend is the platform's
 * (see currentPlatform: `PORTSCOPE_PLATFORM` or `process.platform`); docs/platforms.md describes each,
 * and docs/schema.md says which fields each can give (a field it cannot give is absent).
 *
 * On Linux: sockets from netlink sock_diag (native addon) or /proc/net/* of every network namespace,
 * owners from one walk of /proc/PID/fd, process facts from /proc/PID/* and /etc/passwd. Without root,
 * sockets are all listed but owners of other users' processes are unknown: those sockets get
 * `ownerStatus: 'permission-denied'` and the snapshot a `PERMISSION_DENIED` warning.
 * On macOS: `netstat -anv`, `lsof -F` and `ps`. On FreeBSD: `sockstat` and `ps`. On Windows: PowerShell's
 * Get-NetTCPConnection / Get-NetUDPEndpoint and Win32_Process.
 *
 * @example const { sockets } = await listSockets({ protocols: ['tcp'], filter: 'state listening' });
 * @returns a {@link Snapshot} (schema in docs/schema.md), sockets in table order.
 * @throws PortscopeError `INVALID_ARGUMENT` (bad option), `INVALID_FILTER` (with `column`),
 *   `NOT_FOUND` (an unknown `netns`), `UNSUPPORTED_PLATFORM` (another OS, or a netns outside Linux),
 *   `IO_ERROR` (a platform tool that hung or could not be run).
 */
export async function listSockets(options?: ListSocketsOptions): Promise<Snapshot> {
  const normalized = normalizeListOptions(options);
  switch (currentPlatform()) {
    case 'linux':
      return collectLinux(normalized);
    // The other platforms' collectors load only there: the CLI's every Linux command evaluated them.
    case 'darwin':
      return (await import('./darwin/collect.js')).collectDarwin(normalized);
    case 'freebsd':
      return (await import('./freebsd/collect.js')).collectFreebsd(normalized);
    case 'win32':
      return (await import('./win32/collect.js')).collectWin32(normalized);
  }
}
