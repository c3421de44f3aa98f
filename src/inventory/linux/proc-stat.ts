/** Pure parsers for /proc/PID/stat, /proc/PID/status and /proc/stat. */

/** The fields of /proc/PID/stat that portscope reads. */
export interface StatFields {
  /** Field 3: `R`, `S`, `D`, `Z` (exited, not reaped yet)... */
  readonly state: string;
  /** Field 4: the parent's pid. */
  readonly ppid: number;
  /** Field 5: the process group (a forked child inherits it, and keeps it when orphaned). */
  readonly pgrp: number;
  /** Field 22 (`starttime`): clock ticks after boot; a reused pid has another. */
  readonly startTicks: number;
}

/**
 * Fields 3, 4, 5 and 22 of /proc/PID/stat. The command in field 2 may hold spaces and parentheses,
 * so counting starts after its last `)`. Returns undefined when malformed.
 */
export function parseStat(statText: string): StatFields | undefined {
  const close = statText.lastIndexOf(')');
  if (close < 0) return undefined;
  // After ") " come fields 3.. : state is the 1st of these, ppid the 2nd, pgrp the 3rd, starttime the 20th.
  const fields = statText.slice(close + 2).split(' ', 20);
  const [state = '', ppidText, pgrpText] = fields;
  const ppid = Number(ppidText);
  const pgrp = Number(pgrpText);
  const startTicks = Number(fields[19]);
  if (state === '' || !Number.isInteger(ppid) || !Number.isInteger(pgrp) || !Number.isFinite(startTicks)) {
    return undefined;
  }
  return { state, ppid, pgrp, startTicks };
}

/** Field 22 (`starttime`, clock ticks after boot) of /proc/PID/stat; undefined when malformed. */
export function parseStartTicks(statText: string): number | undefined {
  return parseStat(statText)?.startTicks;
}

/** Real uid from the `Uid:` line of /proc/PID/status. */
export function parseStatusUid(statusText: string): number | undefined {
  const at = statusText.indexOf('\nUid:');
  if (at < 0) return undefined;
  const value = Number.parseInt(statusText.slice(at + 5).trimStart(), 10);
  return Number.isNaN(value) ? undefined : value;
}

/** `FDSize:` of /proc/PID/status: the size of the fd table, a cheap upper bound on the fd count. */
export function parseStatusFdSize(statusText: string): number | undefined {
  const at = statusText.indexOf('\nFDSize:');
  if (at < 0) return undefined;
  const value = Number.parseInt(statusText.slice(at + 8).trimStart(), 10);
  return Number.isNaN(value) ? undefined : value;
}

/** `PPid:` of /proc/PID/status: the parent's pid (as field 4 of /proc/PID/stat). */
export function parseStatusPpid(statusText: string): number | undefined {
  const at = statusText.indexOf('\nPPid:');
  if (at < 0) return undefined;
  const value = Number.parseInt(statusText.slice(at + 6).trimStart(), 10);
  return Number.isNaN(value) ? undefined : value;
}

/** Boot time in seconds since the epoch, from the `btime` line of /proc/stat. */
export function parseBootTime(statText: string): number | undefined {
  const at = statText.indexOf('\nbtime ');
  if (at < 0) return undefined;
  const value = Number.parseInt(statText.slice(at + 7), 10);
  return Number.isNaN(value) ? undefined : value;
}
