import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { builtCliArgv } from './system.js';

/** A running process whose output is collected, killed after `limitMs` at the latest. */
export interface Running {
  readonly child: ChildProcess;
  stdout(): Buffer;
  stderr(): string;
  /** Resolves when stdout holds `text` (at most `ms`). */
  waitForStdout(text: string, ms?: number): Promise<void>;
  /** Resolves when stderr matches `pattern` (at most `ms`), with the match. */
  waitForStderr(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or the signal name) once it has exited. */
  exited(): Promise<number | string>;
  /** ms from start to exit, once exited. */
  elapsedMs(): number | undefined;
}

const running = new Set<ChildProcess>();

/**
 * Starts `file args` with piped stdout and stderr; bounded by `limitMs` (SIGKILL). stdin is a pipe,
 * or `'ignore'` (/dev/null), or an open file descriptor.
 */
export function startProcess(
  file: string,
  args: readonly string[],
  limitMs = 20_000,
  stdin: 'pipe' | 'ignore' | number = 'pipe',
): Running {
  const started = Date.now();
  let ended: number | undefined;
  const child = spawn(file, args, { stdio: [stdin, 'pipe', 'pipe'] });
  running.add(child);
  const out: Buffer[] = [];
  let err = '';
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  child.stdin?.on('error', () => undefined);
  const kill = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const exit = once(child, 'close').then(([code, signal]) => {
    clearTimeout(kill);
    running.delete(child);
    ended = Date.now();
    return (code as number | null) ?? (signal as string);
  });
  return {
    child,
    stdout: () => Buffer.concat(out),
    stderr: () => err,
    exited: () => exit,
    elapsedMs: () => (ended === undefined ? undefined : ended - started),
    async waitForStdout(text, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!Buffer.concat(out).includes(text)) {
        if (Date.now() > deadline || child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`stdout of ${file} never held ${JSON.stringify(text)}; stderr: ${err}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async waitForStderr(pattern, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = pattern.exec(err);
        if (m !== null) return m;
        if (Date.now() > deadline || child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`stderr of ${file} never matched ${String(pattern)}; it was: ${err}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** Starts the built `portscope nc ARGS` (stdin as {@link startProcess} takes it). */
export function startNc(args: readonly string[], limitMs?: number, stdin?: 'pipe' | 'ignore' | number): Running {
  const [node = '', ...rest] = builtCliArgv('nc', ...args);
  return startProcess(node, rest, limitMs, stdin);
}

/** Kills whatever is still running (for afterEach). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}
