/** Pure parsers for /proc/PID/stat, /proc/PID/status and /proc/stat. */

/**
 * Field 22 (`starttime`, clock ticks after boot) of /proc/PID/stat. The command in field 2 may hold
 * spaces and parentheses, so counting starts after its last `)`. Returns undefined when malformed.
 */
export function parseStartTicks(statText: string): number | undefined {
  const close = statText.lastIndexOf(')');
  if (close < 0) return undefined;
  // After ") " come fields 3.. ; starttime is field 22, so the 20th of these.
  const value = Number(statText.slice(close + 2).split(' ', 20)[19]);
  return Number.isFinite(value) ? value : undefined;
}

/** Real uid from the `Uid:` line of /proc/PID/status. */
export function parseStatusUid(statusText: string): number | undefined {
  const at = statusText.indexOf('\nUid:');
  if (at < 0) return undefined;
  const value = Number.parseInt(statusText.slice(at + 5).trimStart(), 10);
  return Number.isNaN(value) ? undefined : value;
}

/** Boot time in seconds since the epoch, from the `btime` line of /proc/stat. */
export function parseBootTime(statText: string): number | undefined {
  const at = statText.indexOf('\nbtime ');
  if (at < 0) return undefined;
  const value = Number.parseInt(statText.slice(at + 7), 10);
  return Number.isNaN(value) ? undefined : value;
}
