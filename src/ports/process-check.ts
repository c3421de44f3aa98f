import { readdirSync, readlinkSync } from 'node:fs';
import { parseStat, type StatFields } from '../inventory/linux/proc-stat.js';
import { readSmallText } from '../inventory/linux/read-proc.js';

/**
 * One process as /proc/PID/stat shows it now (state letter, parent, start ticks); undefined when it
 * does not exist or its stat is unreadable.
 */
export function processNow(pid: number): StatFields | undefined {
  const text = readSmallText(`/proc/${String(pid)}/stat`);
  return text === undefined ? undefined : parseStat(text);
}

/** True when `pid` is the same process (same start ticks) and has not exited (not a zombie). */
export function isSameLiveProcess(pid: number, startTicks: number): boolean {
  const now = processNow(pid);
  return now !== undefined && now.startTicks === startTicks && now.state !== 'Z' && now.state !== 'X';
}

/**
 * True when process `pid` has an fd that refers to one of `inodes` (`socket:[N]` in /proc/PID/fd).
 * Checks the fds it had first (`likelyFds`), then all of them, since fds can be dup'ed or moved.
 * Undefined when /proc/PID/fd cannot be read (gone, or another user's process without privileges).
 */
export function holdsSocket(
  pid: number,
  inodes: ReadonlySet<number>,
  likelyFds: readonly number[] = [],
): boolean | undefined {
  const dir = `/proc/${String(pid)}/fd`;
  const refersToOne = (fd: string): boolean => {
    try {
      const link = readlinkSync(`${dir}/${fd}`);
      return link.startsWith('socket:[') && inodes.has(Number(link.slice(8, -1)));
    } catch {
      return false;
    }
  };
  if (likelyFds.some((fd) => refersToOne(String(fd)))) return true;
  let fds: string[];
  try {
    fds = readdirSync(dir);
  } catch {
    return undefined;
  }
  return fds.some(refersToOne);
}
