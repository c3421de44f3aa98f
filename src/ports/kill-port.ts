import { setTimeout as sleep } from 'node:timers/promises';
import { PortscopeError } from '../errors.js';
import { planKill, type KillCandidate, type KillPlan, type PlanKillOptions } from './kill-plan.js';
import { closeProcess, holdsSocket, isSameLiveProcess, openProcess, signalProcess } from './process-check.js';
import { parseSignal, type SignalSpec } from './signals.js';
import type { PortTarget } from './target.js';

/**
 * What happened to one process:
 * - `terminated`: it exited after the first signal;
 * - `killed`: it exited after SIGKILL (sent first with `signal: 'KILL'`, or after the timeout with `force`);
 * - `still-running`: it outlived the timeout (and SIGKILL, with `force`);
 * - `signalled`: the signal was sent and, with `timeoutMs: 0`, nobody waited;
 * - `permission-denied`: the kernel refused the signal (EPERM), or its fds could no longer be read;
 * - `gone`: it exited (or its pid now names another process) before it was signalled;
 * - `not-owner`: it no longer holds the socket, so it was left alone;
 * - `refused`: pid 1 or this process, never signalled.
 */
export type KillOutcome =
  'terminated' | 'killed' | 'still-running' | 'signalled' | 'permission-denied' | 'gone' | 'not-owner' | 'refused';

/** The result for one process. */
export interface KillResult {
  readonly pid: number;
  readonly command: string;
  readonly outcome: KillOutcome;
  /** Signals actually sent, in order (`SIGTERM`, `SIGKILL`). */
  readonly signals: readonly NodeJS.Signals[];
  /** From the first signal to the observed exit (or to giving up), in milliseconds. */
  readonly elapsedMs: number;
}

/** Options of {@link killPort}. */
export interface KillPortOptions extends PlanKillOptions {
  /** The first signal: a name (`TERM`, `SIGHUP`) or number, checked against os.constants.signals. @default 'SIGTERM' */
  readonly signal?: string | number;
  /** How long to wait for each process to exit after a signal, in milliseconds; 0 does not wait. @default 5000 */
  readonly timeoutMs?: number;
  /** Send SIGKILL to processes still running after `timeoutMs`. @default false */
  readonly force?: boolean;
  /** Plan only: send nothing, and return the plan with no results. @default false */
  readonly dryRun?: boolean;
  /** Asked with the plan before any signal; resolving false sends nothing. @default always yes */
  readonly confirm?: (plan: KillPlan) => boolean | Promise<boolean>;
  /** Stops waiting (processes already signalled are reported `still-running`). */
  readonly abortSignal?: AbortSignal;
}

/** A plan, whether it was carried out, and one result per candidate (none for a dry run or a refusal). */
export interface KillReport extends KillPlan {
  readonly confirmed: boolean;
  readonly results: readonly KillResult[];
}

const POLL_MS = 20;
const SIGKILL_WAIT_MS = 2000;

/**
 * Stops the processes that hold `ports` (see {@link planKill} for which): SIGTERM (or `signal`),
 * a wait of `timeoutMs` for each to exit, then SIGKILL only with `force`. Before every signal it
 * checks, from /proc/PID/stat and /proc/PID/fd, that the pid is still the same process (same start
 * time) and still holds one of the sockets, so a reused pid or a process that let go is never hit.
 * Pid 1 and this process are never signalled. Processes are signalled together, not one by one.
 *
 * @throws PortscopeError `INVALID_ARGUMENT` (bad port, signal or timeout), `NOT_FOUND` (unknown netns),
 *   `UNSUPPORTED_PLATFORM`.
 */
export async function killPort(
  ports: string | PortTarget | readonly (string | PortTarget)[],
  options: KillPortOptions = {},
): Promise<KillReport> {
  const spec = parseSignal(options.signal ?? 'SIGTERM');
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected timeoutMs to be a number >= 0, got \`${String(timeoutMs)}\``,
    );
  }
  const plan = await planKill(Array.isArray(ports) ? ports : [ports as string | PortTarget], options);
  if (options.dryRun === true || plan.candidates.length === 0) return { ...plan, confirmed: false, results: [] };
  const confirmed = options.confirm === undefined ? true : await options.confirm(plan);
  if (!confirmed) return { ...plan, confirmed, results: [] };
  const results = await Promise.all(
    plan.candidates.map((c) =>
      stopOne(c, spec, { timeoutMs, force: options.force === true, abort: options.abortSignal }),
    ),
  );
  return { ...plan, confirmed, results };
}

type Sent = 'sent' | 'gone' | 'not-owner' | 'permission-denied';

/**
 * Signals `c` only if it is still the same process and still holds one of its sockets. The process
 * is opened (a pidfd) before the checks, so the signal goes to the process that passed them.
 */
function signalIfOwner(c: KillCandidate, signal: NodeJS.Signals): Sent {
  const { pid, fds } = c.owner;
  const handle = openProcess(pid);
  if (handle === 'gone') return 'gone';
  try {
    if (!isSameLiveProcess(pid, c.startTicks)) return 'gone';
    const holds = holdsSocket(pid, new Set(c.sockets.map((s) => s.inode)), fds);
    if (holds === false) return 'not-owner';
    if (holds === undefined) return isSameLiveProcess(pid, c.startTicks) ? 'permission-denied' : 'gone';
    return signalProcess(handle, signal);
  } finally {
    closeProcess(handle);
  }
}

/** Polls /proc/PID/stat until the process has exited (or become a zombie); true when it did. */
async function waitExit(c: KillCandidate, ms: number, abort: AbortSignal | undefined): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (!isSameLiveProcess(c.owner.pid, c.startTicks)) return true;
    if (performance.now() >= deadline || abort?.aborted === true) return false;
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - performance.now())));
  }
}

async function stopOne(
  c: KillCandidate,
  spec: SignalSpec,
  options: { timeoutMs: number; force: boolean; abort: AbortSignal | undefined },
): Promise<KillResult> {
  const started = performance.now();
  const signals: NodeJS.Signals[] = [];
  const result = (outcome: KillOutcome): KillResult => ({
    pid: c.owner.pid,
    command: c.owner.command,
    outcome,
    signals,
    elapsedMs: Math.round(performance.now() - started),
  });
  if (c.refused !== undefined) return result('refused');
  const first = signalIfOwner(c, spec.name);
  if (first !== 'sent') return result(first);
  signals.push(spec.name);
  const killing = spec.name === 'SIGKILL';
  if (options.timeoutMs === 0 && !killing) return result('signalled');
  if (await waitExit(c, killing ? Math.max(options.timeoutMs, SIGKILL_WAIT_MS) : options.timeoutMs, options.abort)) {
    return result(killing ? 'killed' : 'terminated');
  }
  if (killing || !options.force || options.abort?.aborted === true) return result('still-running');
  const second = signalIfOwner(c, 'SIGKILL');
  if (second === 'gone') return result('terminated');
  if (second !== 'sent') return result(second);
  signals.push('SIGKILL');
  return result((await waitExit(c, SIGKILL_WAIT_MS, options.abort)) ? 'killed' : 'still-running');
}
