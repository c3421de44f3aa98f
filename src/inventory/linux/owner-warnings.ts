import type { SnapshotWarning } from '../../model/index.js';

/** The one line a listing without root gets: what is unknown, why, and the fix. */
function deniedWarning(sockets: number, processes: number, namespaces: number): SnapshotWarning {
  const hidden = namespaces > 0 ? ', and sockets of network namespaces only they live in are not listed' : '';
  return {
    code: 'PERMISSION_DENIED',
    message: `Owners of ${String(sockets)} sockets are unknown: ${String(processes)} processes of other users could not be read${hidden}; run as root (sudo) to see them`,
  };
}

/** The line for a /proc mounted with hidepid: the owners exist, but this user cannot see them. */
function hiddenWarning(sockets: number, hidepid: string): SnapshotWarning {
  return {
    code: 'PERMISSION_DENIED',
    message: `Owners of ${String(sockets)} sockets are unknown: /proc is mounted with hidepid=${hidepid}, which hides the processes of other users from this one (and their network namespaces); run as root (sudo), or as a member of the mount's gid= group, to see them`,
  };
}

/**
 * The warning of a listing with owners (the Socket objects' and the CLI's columns' alike), or undefined:
 * `unknown` sockets left `permission-denied`, `deniedPids` processes whose fds could not be read, `hidepid`
 * the /proc mount's option when it hides other users (procHidesOthers), `unreadable` processes whose network
 * namespace could not be read (listingScope).
 */
export function ownerWarning(
  unknown: number,
  deniedPids: number,
  hidepid: string | undefined,
  unreadable: number,
): SnapshotWarning | undefined {
  if (hidepid !== undefined && unknown > 0) return hiddenWarning(unknown, hidepid);
  return deniedPids > 0 ? deniedWarning(unknown, deniedPids, unreadable) : undefined;
}
