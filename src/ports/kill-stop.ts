import { setTimeout as sleep } from 'node:timers/promises';
import { errnoCode } from '../errors.js';
import { currentPlatform } from '../inventory/platform.js';
import { processStartedAt } from '../inventory/process-start.js';
import type { KillCandidate } from './kill-plan.js';
import type { KillOutcome, KillResult } from './kill-port.js';
import {
  childrenOf,
  closeProcess,
  holdsSocket,
  isSameLiveProcess,
  openProcess,
  processNow,
  signalProcess,
} from './process-check.js';

const POLL_MS = 20;
const SIGKILL_WAIT_MS = 2000;

/** Processes seen as children of a signalled one while it was waited for: pid -> start ticks and parent pid. */
export type Lineage = Map<number, { startTicks: number; parent: number }>;

/** How {@link stopOne} signals and waits. */
export interface StopOptions {
  /** How long to wait for the exit after the first signal, in milliseconds (0: do not wait). */
  readonly timeoutMs: number;
  readonly force: boolean;
  readonly usePidfd: boolean;
  readonly abort: AbortSignal | undefined;
  /** Filled with the children the process forks while it is waited for (a respawn on SIGTERM). */
  readonly lineage: Lineage;
}

type Sent = 'sent' | 'gone' | 'not-owner' | 'permission-denied';

/**
 * Signals `c` only if it is still the same process and still holds one of its sockets. The process
 * is opened (a pidfd, when usePidfd) before the checks, so the signal goes to the process that
 * passed them; by pid, its start time is read once more just before the signal.
 */
async function signalIfOwner(c: KillCandidate, signal: NodeJS.Signals, usePidfd: boolean): Promise<Sent> {
  if (c.startTicks === undefined) return signalByStartTime(c, signal);
  const { pid, fds } = c.owner;
  const { startTicks } = c;
  const handle = openProcess(pid, startTicks, usePidfd);
  if (handle === 'gone') return 'gone';
  try {
    if (!isSameLiveProcess(pid, startTicks)) return 'gone';
    const inodes = new Set(c.sockets.flatMap((s) => (s.inode === undefined ? [] : [s.inode])));
    const holds = holdsSocket(pid, inodes, fds);
    if (holds === false) return 'not-owner';
    if (holds === undefined) return isSameLiveProcess(pid, startTicks) ? 'permission-denied' : 'gone';
    return signalProcess(handle, signal);
  } finally {
    closeProcess(handle);
  }
}

/**
 * Off Linux (no /proc, no pidfd): reads the process's start time through the platform's tool
 * (processStartedAt) just before the signal, and signals by pid only when it is still the one that held
 * the socket; Windows' process.kill is TerminateProcess on that pid.
 */
async function signalByStartTime(c: KillCandidate, signal: NodeJS.Signals): Promise<Sent> {
  if ((await processStartedAt(c.owner.pid)) !== c.startedAt) return 'gone';
  try {
    process.kill(c.owner.pid, signal);
    return 'sent';
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ESRCH') return 'gone';
    if (code === 'EPERM') return 'permission-denied';
    throw error;
  }
}

/** True when the candidate is no longer running: gone, a zombie, or its pid now names another process. */
async function hasExited(c: KillCandidate): Promise<boolean> {
  if (c.startTicks !== undefined) return !isSameLiveProcess(c.owner.pid, c.startTicks);
  return (await processStartedAt(c.owner.pid)) !== c.startedAt;
}

/** Records the children `pid` has now (with their start ticks) in `lineage`. */
function noteChildren(pid: number, lineage: Lineage): void {
  if (currentPlatform() !== 'linux') return; // /proc/PID/task/*/children: Linux only
  for (const child of childrenOf(pid)) {
    if (lineage.has(child)) continue;
    const now = processNow(child);
    if (now !== undefined) lineage.set(child, { startTicks: now.startTicks, parent: pid });
  }
}

/**
 * Polls /proc/PID/stat until the process has exited (or become a zombie); true when it did. Notes
 * its children on each poll, so that one forked on the signal is known for what it is.
 */
async function waitExit(c: KillCandidate, ms: number, options: StopOptions): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    noteChildren(c.owner.pid, options.lineage);
    if (await hasExited(c)) return true;
    if (performance.now() >= deadline || options.abort?.aborted === true) return false;
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - performance.now())));
  }
}

/**
 * Stops one candidate: the first signal, a wait of `timeoutMs`, then SIGKILL with `force`
 * (SIGKILL is waited for at least 2 s). Never signals a refused candidate.
 */
export async function stopOne(
  c: KillCandidate,
  signal: NodeJS.Signals,
  options: StopOptions,
): Promise<Omit<KillResult, 'round' | 'relation'>> {
  const started = performance.now();
  const signals: NodeJS.Signals[] = [];
  const result = (outcome: KillOutcome) => ({
    pid: c.owner.pid,
    command: c.owner.command,
    outcome,
    signals,
    elapsedMs: Math.round(performance.now() - started),
  });
  if (c.refused !== undefined) return result('refused');
  const first = await signalIfOwner(c, signal, options.usePidfd);
  if (first !== 'sent') return result(first);
  signals.push(signal);
  const killing = signal === 'SIGKILL';
  if (options.timeoutMs === 0 && !killing) {
    noteChildren(c.owner.pid, options.lineage);
    return result('signalled');
  }
  if (await waitExit(c, killing ? Math.max(options.timeoutMs, SIGKILL_WAIT_MS) : options.timeoutMs, options)) {
    return result(killing ? 'killed' : 'terminated');
  }
  if (killing || !options.force || options.abort?.aborted === true) return result('still-running');
  const second = await signalIfOwner(c, 'SIGKILL', options.usePidfd);
  if (second === 'gone') return result('terminated');
  if (second !== 'sent') return result(second);
  signals.push('SIGKILL');
  return result((await waitExit(c, SIGKILL_WAIT_MS, options)) ? 'killed' : 'still-running');
}
