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

/** Reads /proc/net/netstat (this network namespace); empty when unreadable. */
export function readNetstat(): Map<string, number> {
  try {
    return parseNetstat(readFileSync('/proc/net/netstat', 'latin1'));
  } catch {
    return new Map();
  }
}
