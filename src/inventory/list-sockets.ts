import { PortscopeError } from '../errors.js';
import type { Snapshot } from '../model/index.js';
import { collectLinux } from './linux/collect.js';
import { normalizeListOptions, type ListSocketsOptions } from './options.js';

/**
 * Lists the sockets of this machine with the processes that hold them.
 *
 * On Linux: sockets from /proc/net/{tcp,tcp6,udp,udp6,udplite,udplite6,raw,raw6,unix} of every
 * network namespace (read once per namespace through /proc/PID/net), owners from one walk of
 * /proc/PID/fd, process facts from /proc/PID/{comm,cmdline,exe,status,stat,cgroup} and /etc/passwd.
 * Without root, sockets are all listed but owners of other users' processes are unknown: those
 * sockets get `ownerStatus: 'permission-denied'` and the snapshot a `PERMISSION_DENIED` warning.
 *
 * @example const { sockets } = await listSockets({ protocols: ['tcp'], filter: 'state listening' });
 * @returns a {@link Snapshot} (schema in docs/schema.md), sockets in table order.
 * @throws PortscopeError `INVALID_ARGUMENT` (bad option), `INVALID_FILTER` (with `column`),
 *   `NOT_FOUND` (an unknown `netns`), `UNSUPPORTED_PLATFORM` (not Linux, for now).
 */
export async function listSockets(options?: ListSocketsOptions): Promise<Snapshot> {
  const normalized = normalizeListOptions(options);
  if (process.platform === 'linux') return collectLinux(normalized);
  throw new PortscopeError(
    'UNSUPPORTED_PLATFORM',
    `Expected Linux, got \`${process.platform}\`: macOS and Windows backends are not written yet`,
  );
}
