import { readdirSync, readlinkSync } from 'node:fs';

/**
 * What an fd walk found: `holders` is flat triples `[inode, pid, fd, inode, pid, fd, ...]`;
 * `denied` and `gone` are pids whose fd directory could not be read (EACCES) or vanished (ENOENT/ESRCH).
 */
export interface FdWalkResult {
  holders: ArrayLike<number>;
  denied: number[];
  gone: number[];
}

/**
 * Walks `/proc/PID/fd` of each pid and readlinks every fd, keeping those that are `socket:[inode]`.
 * With `slice`/`slices`, a process's fds are dealt out by index so that several threads share one
 * large process evenly. With `wanted`, only those inodes are kept, and with `stopWhenFound` too the walk
 * stops after the process in which the last of them was first seen (every process walked is walked in full).
 *
 * Self-contained on purpose (it only uses its `fs` parameter): worker threads run its source text.
 */
export function walkFds(
  fs: { readdirSync: typeof readdirSync; readlinkSync: typeof readlinkSync },
  pids: readonly number[],
  slice: number,
  slices: number,
  wanted: ReadonlySet<number> | null,
  stopWhenFound = false,
): FdWalkResult {
  const holders: number[] = [];
  const seen = new Set<number>();
  const denied: number[] = [];
  const gone: number[] = [];
  // How many inodes end the walk, checked between processes (-1: never).
  const stopAt = stopWhenFound && wanted !== null ? wanted.size : -1;
  for (const pid of pids) {
    if (seen.size === stopAt) break;
    const dir = `/proc/${String(pid)}/fd/`;
    let fds: string[];
    try {
      fds = fs.readdirSync(dir);
    } catch (error) {
      const code = (error as { code?: string }).code;
      (code === 'EACCES' || code === 'EPERM' ? denied : gone).push(pid);
      continue;
    }
    for (let i = slice; i < fds.length; i += slices) {
      const name = fds[i] ?? '';
      let link: string;
      try {
        link = fs.readlinkSync(dir + name);
      } catch {
        continue; // closed between readdir and readlink
      }
      if (!link.startsWith('socket:[')) continue;
      let inode = 0;
      for (let j = 8; j < link.length - 1; j++) inode = inode * 10 + link.charCodeAt(j) - 48;
      if (wanted !== null && !wanted.has(inode)) continue;
      holders.push(inode, pid, Number(name));
      if (stopAt !== -1) seen.add(inode);
    }
  }
  return { holders, denied, gone };
}
