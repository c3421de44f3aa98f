import { PortscopeError } from '../errors.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a CLI duration into milliseconds: `500ms`, `5s`, `1.5s`, `2m`, `1h`, or a plain number of
 * seconds (`5`, as wait-for-it and timeout(1) take it). `minMs` (default 0) is the smallest accepted.
 * @throws PortscopeError `INVALID_ARGUMENT` naming the option and the value.
 */
export function parseDuration(text: string, option: string, minMs = 0): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected ${option} to be a duration such as 500ms, 5s, 2m or 5 (seconds), got \`${text}\``,
    );
  }
  const ms = Math.round(Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000));
  if (ms < minMs)
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected ${option} to be at least ${String(minMs)}ms, got \`${text}\``,
    );
  return ms;
}
