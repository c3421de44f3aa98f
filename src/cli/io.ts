import { lstatSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import pc from 'picocolors';
import type { Colors } from 'picocolors/types.js';
import { PortscopeError, errnoCode } from '../errors.js';
import type { Backend } from '../inventory/index.js';

/** Where the CLI writes, and what it knows of the terminal. Tests pass their own. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** True when stdout is a terminal: colours, width fitting. */
  readonly isTTY: boolean;
  /** Terminal width in columns, when stdout is a terminal. */
  readonly columns: number | undefined;
  /** True when stderr is a terminal: progress bars. */
  readonly stderrIsTTY?: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Asks a yes/no question on the terminal; undefined when stdin or stdout is not a terminal, so
   * that commands which need a confirmation refuse instead of hanging.
   */
  readonly confirm?: ((question: string) => Promise<boolean>) | undefined;
}

/** The real process streams. */
export function processIo(): CliIo {
  // @types/node says boolean, but isTTY is undefined (not false) on a pipe.
  const tty = (process.stdout as { isTTY?: boolean }).isTTY === true;
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: tty,
    // A pty nobody sized reports 0 columns: treat it as unknown.
    columns: tty && process.stdout.columns > 0 ? process.stdout.columns : undefined,
    stderrIsTTY: (process.stderr as { isTTY?: boolean }).isTTY === true,
    env: process.env,
    confirm: tty && process.stdin.isTTY ? askOnTerminal : undefined,
  };
}

/** A yes/no prompt with @clack/prompts, loaded only when a question is asked. Ctrl-C means no. */
async function askOnTerminal(question: string): Promise<boolean> {
  const { confirm, isCancel } = await import('@clack/prompts');
  const answer = await confirm({ message: question, initialValue: false });
  return !isCancel(answer) && answer;
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

/** Why a file could not be written, in words, from its errno. */
function whyNotWritten(file: string, errno: string | undefined): string {
  switch (errno) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${errno})`;
    case 'ENOENT':
      return `the directory \`${dirname(file)}\` does not exist (ENOENT)`;
    case 'ENOTDIR':
      return 'a part of its path is not a directory (ENOTDIR)';
    case 'EISDIR':
      return 'it is a directory (EISDIR)';
    case 'EROFS':
      return 'the file system is read-only (EROFS)';
    case 'ENOSPC':
      return 'no space left on the device (ENOSPC)';
    default:
      return errno ?? 'unknown error';
  }
}

/** True when `file` exists and is not a regular file (lstat: a symlink counts as special). */
function isSpecialFile(file: string): boolean {
  try {
    return !lstatSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Writes `text` to the output file `file` whole or not at all (a temporary file beside it, renamed into
 * place), so a failed write never leaves half a file; `-` is stdout; a device, FIFO or symlink is written
 * through instead.
 * @throws PortscopeError `IO_ERROR` with one line that names the file and why, e.g.
 *   ``Cannot write `/root/x.xml`: permission denied (EACCES)``.
 */
export function writeOutputFile(io: CliIo, file: string, text: string): void {
  if (file === '-') {
    io.stdout.write(text);
    return;
  }
  if (isSpecialFile(file)) {
    // A device, FIFO or symlink (`-oX /dev/null`, `/dev/stdout`) is written through, never replaced.
    try {
      writeFileSync(file, text);
    } catch (error) {
      throw new PortscopeError('IO_ERROR', `Cannot write \`${file}\`: ${whyNotWritten(file, errnoCode(error))}`, {
        cause: error,
      });
    }
    return;
  }
  const temporary = `${file}.portscope-${String(process.pid)}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, file);
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Where the temporary file could not be made, it cannot be looked at either (EACCES on lstat).
    }
    throw new PortscopeError('IO_ERROR', `Cannot write \`${file}\`: ${whyNotWritten(file, errnoCode(error))}`, {
      cause: error,
    });
  }
}
