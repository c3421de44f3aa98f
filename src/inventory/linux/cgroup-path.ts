import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readSmallText } from './read-proc.js';

let paths: Map<number, string> | undefined;
let walkedAt = 0;

/** Where the cgroup v2 hierarchy is mounted (a `cgroup2` line of /proc/self/mountinfo), if it is. */
function cgroup2Mount(): string | undefined {
  for (const line of (readSmallText('/proc/self/mountinfo', 'utf8') ?? '').split('\n')) {
    const [mounted, fs] = line.split(' - ');
    if (fs?.startsWith('cgroup2 ') === true) return mounted?.split(' ')[4];
  }
  return undefined;
}

function walk(dir: string, relative: string, into: Map<number, string>): void {
  into.set(statSync(dir).ino, relative === '' ? '/' : relative);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      try {
        walk(join(dir, entry.name), `${relative}/${entry.name}`, into);
      } catch {
        // removed meanwhile, or unreadable: that group stays unnamed
      }
    }
  }
}

/**
 * The path of a cgroup v2 group (`/system.slice/nginx.service`) from its id (sock_diag's INET_DIAG_CGROUP_ID,
 * which is the inode of its directory), found by a walk of the cgroup2 mount kept for later calls (walked again
 * for an unknown id, at most once a second: groups come and go); undefined when no group has that id (or no
 * cgroup2 is mounted). As ss's --cgroup (iproute2's cg_id_to_path).
 */
export function cgroupPath(id: number): string | undefined {
  if (paths === undefined || (!paths.has(id) && Date.now() - walkedAt > 1000)) {
    paths = new Map();
    walkedAt = Date.now();
    const mount = cgroup2Mount();
    try {
      if (mount !== undefined) walk(mount, '', paths);
    } catch {
      // no cgroup2 to read: every id stays unknown
    }
  }
  return paths.get(id);
}
