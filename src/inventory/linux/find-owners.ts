import type { Socket } from '../../model/index.js';
import { listPids } from './netns.js';
import { nativeAddon } from './native.js';
import { walkOwners } from './owner-walk.js';
import { attachOwners } from './owners.js';
import { readUsers } from './passwd.js';
import { parseBootTime } from './proc-stat.js';
import { readSmallText } from './read-proc.js';

/**
 * Fills `owners` and `ownerStatus` of just these sockets (from a `listSockets({ owners: false })`
 * listing): one walk of /proc/PID/fd that stops once every inode has a holder, then walks the
 * holders' fork family in full (as `listSockets({ stopWhenFound: true })`, see `walkUntilFound`).
 * For a watcher that looks up the owners of new sockets only. Sockets without an inode (absent, or
 * 0 for TIME_WAIT) get `none`. Returns how many sockets are left with `permission-denied`.
 */
export async function findOwners(sockets: Socket[]): Promise<number> {
  const wanted = new Set<number>();
  for (const s of sockets) {
    if (s.inode !== undefined && s.inode !== 0) wanted.add(s.inode);
  }
  if (wanted.size === 0) {
    for (const s of sockets) s.ownerStatus = 'none';
    return 0;
  }
  const { walk } = await walkOwners(listPids(), 0, wanted, nativeAddon() ?? null, true);
  const bootTime = parseBootTime(readSmallText('/proc/stat') ?? '');
  return attachOwners(sockets, walk, { bootTime, users: readUsers() });
}
