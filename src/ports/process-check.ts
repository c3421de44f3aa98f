import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { parseStartTicks } from '../inventory/linux/proc-stat.js';

/**
 * One process as /proc/PID/stat sees it now: its start time in clock ticks after boot (pid reuse
 * gives a new process another start time) and its state letter (`Z` for a zombie that has exited
 * but was not reaped yet). Undefined when the process is gone.
 */
export interface ProcessNow {
  readonly startTicks: number;
  readonly state: string;
}

/** Reads /proc/PID/stat. Undefined when the process does not exist (or its stat is unreadable). */
export function processNow(pid: number): ProcessNow | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${String(pid)}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const startTicks = parseStartTicks(text);
  const close = text.lastIndexOf(')');
  if (startTicks === undefined || close < 0) return undefined;
  return { startTicks, state: text.charAt(close + 2) };
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
