import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

/**
 * Running under an address-space limit (`ulimit -v`, `prlimit --as`).
 *
 * glibc gives every thread that calls malloc its own arena, and reserves 64 MiB of address space
 * for each; Node starts 4 V8 platform threads and 4 libuv threads (the native fd walk runs on
 * these), so a listing reserves ~400 MiB it never touches beside V8's own ~500 MiB. Under a 1 GB
 * limit that made V8 abort (or segfault) in most runs. MALLOC_ARENA_MAX is read once, when the
 * process starts, so the CLI runs itself again with it set; the library never changes its host
 * process's malloc.
 */

/** Lines that begin V8's or Node's fatal-error report (many lines): replaced by one line of ours. */
const FATAL_REPORT = /^(<--- Last few GCs --->|#\s*$|# Fatal|FATAL ERROR:|terminate called)/;

/** How a process killed by one of these under an address-space limit ran out: V8 aborts or faults. */
const OUT_OF_MEMORY_SIGNALS = new Set(['SIGABRT', 'SIGSEGV', 'SIGTRAP', 'SIGBUS', 'SIGILL']);

/** The soft RLIMIT_AS in bytes (from /proc/self/limits), or undefined when unlimited or unknown. */
export function addressSpaceLimit(limits = '/proc/self/limits'): number | undefined {
  let text: string;
  try {
    text = readFileSync(limits, 'utf8');
  } catch {
    return undefined;
  }
  const soft = /^Max address space\s+(\S+)/m.exec(text)?.[1];
  return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
}

/**
 * When this process has an address-space limit and MALLOC_ARENA_MAX is not set, runs the same
 * command again with MALLOC_ARENA_MAX=2 (stdin and stdout shared; stderr passed through, V8's
 * fatal report replaced by one line) and resolves with the exit code to use: the child's, or 3
 * when it died of running out of memory. Resolves undefined when no second run is needed.
 * Signals to this process (SIGINT, SIGTERM, SIGHUP) are passed on to the child.
 */
export async function rerunWithBoundedArenas(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  stderr: { write(text: string): unknown },
): Promise<number | undefined> {
  const limit = addressSpaceLimit();
  if (limit === undefined || env.MALLOC_ARENA_MAX !== undefined) return undefined;
  // Loaded only for the second run: every command starts here, and most never need them.
  const [{ spawn }, { createInterface }] = await Promise.all([import('node:child_process'), import('node:readline')]);
  const child = spawn(process.execPath, [...process.execArgv, ...argv], {
    env: { ...env, MALLOC_ARENA_MAX: '2' },
    stdio: ['inherit', 'inherit', 'pipe'],
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, forward);
  // Blank lines are held back until the next line: V8's report starts with one.
  const report = { fatal: false, blank: 0 };
  const lines = createInterface({ input: child.stderr });
  lines.on('line', (line) => {
    report.fatal ||= FATAL_REPORT.test(line);
    if (report.fatal) return;
    if (line === '') report.blank++;
    else {
      stderr.write(`${'\n'.repeat(report.blank)}${line}\n`);
      report.blank = 0;
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.once('close', (c, s) => {
      resolve([c, s]);
    });
  });
  for (const s of signals) process.off(s, forward);
  if (report.fatal || (signal !== null && OUT_OF_MEMORY_SIGNALS.has(signal))) {
    stderr.write(
      `portscope: ran out of memory under the address-space limit of ${String(limit)} bytes (ulimit -v, prlimit --as); raise the limit\n`,
    );
    return 3;
  }
  // Killed by another signal (SIGINT, SIGTERM...): exit as a shell reports a signalled process.
  if (signal !== null) return 128 + constants.signals[signal];
  return code ?? 3;
}
