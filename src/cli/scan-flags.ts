import { PortscopeError } from '../errors.js';
import type { ConnectBackend } from '../scan/index.js';
import { parseDuration } from './duration.js';

// The scan flags' parsers check the ranges the library will, so that an error names the flag
// (`--max-targets`), not the library's option (`maxTargets`).

/** A number flag's parser: `min` to `max`, and a whole number with `integer`. @throws `INVALID_ARGUMENT` naming the flag. */
export const number =
  (name: string, { min = 0, max = Number.MAX_SAFE_INTEGER, integer = false } = {}) =>
  (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      const kind = integer ? 'integer' : 'number';
      const what =
        max !== Number.MAX_SAFE_INTEGER
          ? `${integer ? 'an integer' : 'a number'} from ${String(min)} to ${String(max)}`
          : min === 0
            ? `a non-negative ${kind}`
            : min === 1 && integer
              ? 'a positive integer'
              : `a ${kind} of at least ${String(min)}`;
      throw new PortscopeError('INVALID_ARGUMENT', `Expected ${name} to be ${what}, got \`${value}\``);
    }
    return n;
  };

/** A duration flag's parser (see parseDuration), in ms, at least `minMs`. @throws `INVALID_ARGUMENT` naming the flag. */
export const ms =
  (name: string, minMs = 0) =>
  (value: string) => {
    const n = parseDuration(value, name);
    if (n < minMs)
      throw new PortscopeError(
        'INVALID_ARGUMENT',
        `Expected ${name} to be at least ${String(minMs)}ms, got \`${value}\``,
      );
    return n;
  };

/**
 * Checks that each pair of flags given together is in order (`--min-rate` at most `--max-rate`):
 * `[low flag, value, high flag, value, unit]`. @throws PortscopeError `INVALID_ARGUMENT` naming both flags.
 */
export function checkOrder(
  pairs: readonly (readonly [string, number | undefined, string, number | undefined, string])[],
): void {
  for (const [lowName, low, highName, high, unit] of pairs) {
    if (low !== undefined && high !== undefined && low > high) {
      throw new PortscopeError(
        'INVALID_ARGUMENT',
        `Expected ${lowName} (${String(low)} ${unit}) to be at most ${highName} (${String(high)} ${unit})`,
      );
    }
  }
}

/**
 * The scan's TCP connect loop from the environment: `PORTSCOPE_SCAN_BACKEND=auto|native|javascript`;
 * unset, `PORTSCOPE_BACKEND=procfs` (the switch that keeps every verb off the addon) means `javascript`.
 * @throws PortscopeError `INVALID_ARGUMENT` for another value.
 */
export function connectBackendOf(env: Readonly<Record<string, string | undefined>>): ConnectBackend {
  const value = env.PORTSCOPE_SCAN_BACKEND ?? '';
  if (value === '') return env.PORTSCOPE_BACKEND === 'procfs' ? 'javascript' : 'auto';
  if (value === 'auto' || value === 'native' || value === 'javascript') return value;
  throw new PortscopeError(
    'INVALID_ARGUMENT',
    `Expected PORTSCOPE_SCAN_BACKEND to be auto, native or javascript, got \`${value}\``,
  );
}
