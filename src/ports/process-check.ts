import { closeSync, readdirSync, readlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { errnoCode } from '../errors.js';
import { nativeAddon } from '../inventory/linux/native.js';
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

/**
 * The pids of the children of `pid` now, from /proc/PID/task/TID/children of each of its threads
 * (a child belongs to the thread that forked it). Empty when the process is gone or unreadable.
 */
export function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${String(pid)}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const tid of tasks) {
    const text = readSmallText(`/proc/${String(pid)}/task/${tid}/children`) ?? '';
    for (const word of text.split(' ')) if (word.trim() !== '') children.push(Number(word));
  }
  return children;
}

/**
 * Why signals cannot go through a pidfd, or undefined when they can: `backend` 'procfs' (which
 * means: do without the addon), the native addon not loaded, or a kernel without pidfd_open(2)
 * (before Linux 5.3).
 */
export function pidfdUnavailable(backend: string | undefined): string | undefined {
  if (backend === 'procfs') return "backend 'procfs'";
  const addon = nativeAddon();
  if (addon === undefined) return 'the native addon is not built';
  try {
    closeSync(addon.pidfdOpen(process.pid));
    return undefined;
  } catch (error) {
    return `pidfd_open failed (${errnoCode(error) ?? 'error'})`;
  }
}

/**
 * A process to signal: its pid, its start time, and a pidfd (pidfd_open(2), from the native addon)
 * when one can be had. Through a pidfd a signal reaches only the process that was opened, even if it
 * exits and its pid is reused between the checks and the signal; with the bare pid (no addon) that
 * window stays, narrowed to the instant between a last read of the start time and the kill(2).
 */
export interface ProcessHandle {
  readonly pid: number;
  /** Start time in clock ticks after boot, as checked before opening (see processNow). */
  readonly startTicks: number;
  readonly pidfd?: number;
}

/**
 * Opens `pid` for signalling, through a pidfd when `usePidfd` (see pidfdUnavailable); 'gone' when it
 * does not exist. Close the handle with closeProcess.
 */
export function openProcess(pid: number, startTicks: number, usePidfd: boolean): ProcessHandle | 'gone' {
  const addon = usePidfd ? nativeAddon() : undefined;
  if (addon === undefined) return { pid, startTicks };
  try {
    return { pid, startTicks, pidfd: addon.pidfdOpen(pid) };
  } catch (error) {
    // ENOSYS (kernel before 5.3) and the like: signal by pid, as without the addon.
    return errnoCode(error) === 'ESRCH' ? 'gone' : { pid, startTicks };
  }
}

/**
 * Sends `signal` through the handle's pidfd, or to its pid after reading its start time once more
 * (a pid reused since the handle was opened names another process: not signalled, 'gone');
 * 'gone' when the process has exited (ESRCH), 'permission-denied' when it belongs to another user
 * (EPERM).
 */
export function signalProcess(handle: ProcessHandle, signal: NodeJS.Signals): 'sent' | 'gone' | 'permission-denied' {
  const addon = nativeAddon();
  try {
    if (handle.pidfd !== undefined && addon !== undefined)
      addon.pidfdSendSignal(handle.pidfd, constants.signals[signal]);
    else if (!isSameLiveProcess(handle.pid, handle.startTicks)) return 'gone';
    else process.kill(handle.pid, signal);
    return 'sent';
  } catch (error) {
    return errnoCode(error) === 'ESRCH' ? 'gone' : 'permission-denied';
  }
}

/** Closes the handle's pidfd, if it has one. */
export function closeProcess(handle: ProcessHandle): void {
  if (handle.pidfd !== undefined) closeSync(handle.pidfd);
}
