import pc from 'picocolors';
import type { Colors } from 'picocolors/types.js';
import { PortscopeError } from '../errors.js';
import type { Backend } from '../inventory/index.js';

/** Where the CLI writes, and what it knows of the terminal. Tests pass their own. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** True when stdout is a terminal: colours, width fitting. */
  readonly isTTY: boolean;
  /** Terminal width in columns, when stdout is a terminal. */
  readonly columns: number | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The real process streams. */
export function processIo(): CliIo {
  // @types/node says boolean, but isTTY is undefined (not false) on a pipe.
  const { isTTY: tty } = process.stdout as { isTTY?: boolean };
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: tty === true,
    columns: tty === true ? process.stdout.columns : undefined,
    env: process.env,
  };
}

/** Colours on a TTY only, and never with NO_COLOR set (https://no-color.org). */
export function colorsFor(io: CliIo): Colors {
  const enabled = io.isTTY && (io.env.NO_COLOR ?? '') === '' && io.env.TERM !== 'dumb';
  // Always pass a boolean: createColors(undefined) falls back to picocolors' own guess, which says yes under CI.
  return pc.createColors(enabled);
}

/** The kernel reader chosen by `PORTSCOPE_BACKEND` (auto, native, procfs); `auto` when unset. */
export function backendOf(io: CliIo): Backend {
  const value = io.env.PORTSCOPE_BACKEND ?? '';
  if (value === '') return 'auto';
  if (value === 'auto' || value === 'native' || value === 'procfs') return value;
  throw new PortscopeError(
    'INVALID_ARGUMENT',
    `Expected PORTSCOPE_BACKEND to be auto, native or procfs, got \`${value}\``,
  );
}
