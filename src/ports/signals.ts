import { constants } from 'node:os';
import { PortscopeError } from '../errors.js';

/** A signal the system knows, by name (`SIGTERM`) and number (15). */
export interface SignalSpec {
  readonly name: NodeJS.Signals;
  readonly number: number;
}

const SIGNALS = constants.signals as Readonly<Record<string, number>>;

/**
 * Resolves a signal given as `SIGTERM`, `TERM`, `term` or `15` against this system's list
 * (`os.constants.signals`).
 * @throws PortscopeError `INVALID_ARGUMENT` naming the value and listing the valid names.
 */
export function parseSignal(value: string | number): SignalSpec {
  const text = String(value).trim();
  if (/^\d+$/.test(text)) {
    const number = Number(text);
    const name = Object.keys(SIGNALS).find((n) => SIGNALS[n] === number);
    if (name !== undefined && number > 0) return { name: name as NodeJS.Signals, number };
  } else {
    const upper = text.toUpperCase();
    const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    const number = SIGNALS[name];
    if (number !== undefined) return { name: name as NodeJS.Signals, number };
  }
  const names = Object.keys(SIGNALS).map((n) => n.slice(3));
  throw new PortscopeError('INVALID_ARGUMENT', `Expected a signal (${names.join(', ')}), got \`${text}\``);
}
