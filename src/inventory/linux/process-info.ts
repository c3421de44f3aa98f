import { readlinkSync } from 'node:fs';
import type { Owner } from '../../model/index.js';
import { parseCgroup } from './cgroup.js';
import { parseStartTicks, parseStatusUid } from './proc-stat.js';
import { readSmallText as read } from './read-proc.js';

/** USER_HZ: the unit of /proc/PID/stat times, 100 on every Linux ABI. */
const USER_HZ = 100;

/** Facts about one process, everything but its fds. */
export type ProcessFacts = Omit<Owner, 'fds'>;

/**
 * Reads a process's facts from /proc/PID/{comm,cmdline,exe,status,stat,cgroup}. Returns undefined
 * when the process is gone (its comm is unreadable). Fields that need privileges (exe) are left out
 * when unreadable, as is `uid` when status is (never -1). `bootTime` is seconds since the epoch (see parseBootTime).
 * `command`: the comm already read (readCommand), so that one listing names a process once; read here when
 * not given (a caller that found the process gone does not call this).
 */
export function readProcessFacts(
  pid: number,
  bootTime: number | undefined,
  users: ReadonlyMap<number, string>,
  command: string | undefined = readCommand(pid),
): ProcessFacts | undefined {
  const base = `/proc/${String(pid)}/`;
  if (command === undefined) return undefined;
  const uid = parseStatusUid(read(`${base}status`) ?? '');
  const facts: { -readonly [K in keyof ProcessFacts]: ProcessFacts[K] } = {
    pid,
    command,
  };
  // status is as readable as comm: none means the process exited between the two reads; no made-up uid.
  if (uid !== undefined) facts.uid = uid;
  const cmdline = read(`${base}cmdline`, 'utf8');
  if (cmdline !== undefined && cmdline.length > 0) facts.cmdline = cmdline.replace(/\0$/, '').split('\0');
  const exe = readLinkSafe(`${base}exe`);
  if (exe !== undefined) facts.exe = exe;
  const user = uid === undefined ? undefined : users.get(uid);
  if (user !== undefined) facts.user = user;
  const ticks = parseStartTicks(read(`${base}stat`) ?? '');
  if (ticks !== undefined && bootTime !== undefined) {
    facts.startedAt = new Date(bootTime * 1000 + (ticks * 1000) / USER_HZ).toISOString();
  }
  const cgroup = parseCgroup(read(`${base}cgroup`) ?? '');
  if (cgroup.systemdUnit !== undefined) facts.systemdUnit = cgroup.systemdUnit;
  if (cgroup.container !== undefined) facts.container = cgroup.container;
  return facts;
}

/**
 * A process's command name (/proc/PID/comm, its trailing newline cut), or undefined when the process is gone:
 * what readProcessFacts reads first, for a caller that needs nothing else (a table's `users` column).
 */
export function readCommand(pid: number): string | undefined {
  return read(`/proc/${String(pid)}/comm`, 'utf8')?.replace(/\n$/, '');
}

function readLinkSafe(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined; // EACCES for other users' processes without root, ENOENT for kernel threads
  }
}
