import { readFileSync } from 'node:fs';

/**
 * Counters of /proc/net/netstat (pairs of lines: names, then values, per group), keyed
 * `Group:Name` (`TcpExt:ListenOverflows`). Malformed pairs are skipped.
 */
export function parseNetstat(text: string): Map<string, number> {
  const counters = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = (lines[i] ?? '').trim().split(/\s+/);
    const values = (lines[i + 1] ?? '').trim().split(/\s+/);
    const group = names[0];
    if (group === undefined || group !== values[0] || names.length !== values.length) continue;
    for (let k = 1; k < names.length; k++) counters.set(`${group.slice(0, -1)}:${names[k] ?? ''}`, Number(values[k]));
  }
  return counters;
}

/**
 * Reads the counters of one network namespace: /proc/PID/net/netstat of a process living in it, or
 * /proc/net/netstat (this process's namespace) when `pid` is not given. Empty when unreadable.
 */
export function readNetstat(pid?: number): Map<string, number> {
  const path = pid === undefined ? '/proc/net/netstat' : `/proc/${String(pid)}/net/netstat`;
  try {
    return parseNetstat(readFileSync(path, 'latin1'));
  } catch {
    return new Map();
  }
}
