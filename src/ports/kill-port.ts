import { PortscopeError } from '../errors.js';
import { planKill, type KillCandidate, type KillPlan, type PlanKillOptions } from './kill-plan.js';
import { relationOf, type HolderRelation } from './kill-relation.js';
import { stopOne, type Lineage } from './kill-stop.js';
import { parseSignal } from './signals.js';
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
  /** 0 for the plan's processes; 1, 2... for holders found after the signals (with `untilFree`). */
  readonly round: number;
  /** For a later round: how it relates to the processes signalled before it. */
  readonly relation?: HolderRelation;
  /** For a later round: the signalled process it is the child of, or shares the process group with. */
  readonly relatedTo?: number;
}

/** A process found holding the port after the signals, that was not signalled. */
export interface NewHolder extends KillCandidate {
  readonly relation: HolderRelation;
  /** The signalled process it is the child of, or shares the process group with. */
  readonly relatedTo?: number;
}

/** Options of {@link killPort}. */
export interface KillPortOptions extends PlanKillOptions {
  /** The first signal: a name (`TERM`, `SIGHUP`) or number, checked against os.constants.signals. @default 'SIGTERM' */
  readonly signal?: string | number;
  /**
   * How long to wait for each process to exit after a signal, in milliseconds; 0 does not wait (and
   * does not look at the port again). With `untilFree`, the time for every round together. @default 5000
   */
  readonly timeoutMs?: number;
  /** Send SIGKILL to processes still running after `timeoutMs`. @default false */
  readonly force?: boolean;
  /**
   * When the port is still held after the signals (a child forked on SIGTERM, a supervisor's
   * respawn), signal the new holders too, round after round (at most 100), until the port is free
   * or `timeoutMs` has passed. They are not asked about again. @default false
   */
  readonly untilFree?: boolean;
  /** Plan only: send nothing, and return the plan with no results. @default false */
  readonly dryRun?: boolean;
  /** Asked with the plan before any signal; resolving false sends nothing. @default always yes */
  readonly confirm?: (plan: KillPlan) => boolean | Promise<boolean>;
  /** Stops waiting (processes already signalled are reported `still-running`). */
  readonly abortSignal?: AbortSignal;
}

/** A plan, whether it was carried out, one result per process signalled, and how the port was left. */
export interface KillReport extends KillPlan {
  readonly confirmed: boolean;
  readonly results: readonly KillResult[];
  /**
   * After the signals the port is looked at again: true when nothing holds it (visible or hidden)
   * in the namespaces this kill may reach; undefined when it was not looked at (nothing signalled,
   * `timeoutMs` 0, aborted).
   */
  readonly portFree?: boolean;
  /** The holders that look found and that were not signalled (empty when the port is free). */
  readonly newHolders: readonly NewHolder[];
}

const MAX_ROUNDS = 100;

/** True when both are the same process: same pid and start (ticks on Linux, the tool's start time elsewhere). */
function sameProcess(a: KillCandidate | undefined, b: KillCandidate): boolean {
  return (
    a !== undefined &&
    a.owner.pid === b.owner.pid &&
    (a.startTicks === undefined ? a.startedAt === b.startedAt : a.startTicks === b.startTicks)
  );
}

/**
 * Stops the processes that hold `ports` (see {@link planKill} for which): SIGTERM (or `signal`),
 * a wait of `timeoutMs` for each to exit, then SIGKILL only with `force`. Before every signal it
 * checks, from /proc/PID/stat and /proc/PID/fd, that the pid is still the same process (same start
 * time) and still holds one of the sockets, so a reused pid or a process that let go is never hit.
 * Pid 1 and this process are never signalled. Processes are signalled together, not one by one.
 * Then it looks at the port again (`portFree`, `newHolders`), and with `untilFree` goes on through
 * the new holders.
 *
 * @throws PortscopeError `INVALID_ARGUMENT` (bad port, signal or timeout, `allNetns` with a
 *   `netns`, `untilFree` with `timeoutMs` 0), `NOT_FOUND` (unknown netns), `UNSUPPORTED_PLATFORM`.
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
  if (options.untilFree === true && timeoutMs === 0) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      'Expected a time-out above 0 with --until-free (untilFree): with --timeout 0 the port is never looked at again',
    );
  }
  const plan = await planKill(Array.isArray(ports) ? ports : [ports as string | PortTarget], options);
  const untouched = { ...plan, results: [], newHolders: [] };
  if (options.dryRun === true || plan.candidates.length === 0) return { ...untouched, confirmed: false };
  const confirmed = options.confirm === undefined ? true : await options.confirm(plan);
  if (!confirmed) return { ...untouched, confirmed };

  const deadline = performance.now() + timeoutMs;
  const lineage: Lineage = new Map();
  const signalled = new Map<number, KillCandidate>();
  const results: KillResult[] = [];
  let batch: readonly (KillCandidate | NewHolder)[] = plan.candidates;
  for (let round = 0; ; round++) {
    const stop = {
      timeoutMs: round === 0 ? timeoutMs : Math.max(1, Math.round(deadline - performance.now())),
      force: options.force === true,
      usePidfd: plan.pidfd,
      abort: options.abortSignal,
      lineage,
    };
    const stopped = await Promise.all(batch.map((c) => stopOne(c, spec.name, stop)));
    batch.forEach((c, i) => {
      signalled.set(c.owner.pid, c);
      const relation =
        'relation' in c
          ? { relation: c.relation, ...(c.relatedTo === undefined ? {} : { relatedTo: c.relatedTo }) }
          : {};
      results.push({ ...(stopped[i] as Omit<KillResult, 'round'>), round, ...relation });
    });
    // Nobody waited: the port says nothing yet about how the signals were taken.
    if (timeoutMs === 0 || options.abortSignal?.aborted === true)
      return { ...plan, confirmed, results, newHolders: [] };
    const again = await planKill(plan.targets, options);
    const newHolders = again.candidates
      .filter((c) => !sameProcess(signalled.get(c.owner.pid), c))
      .map((c): NewHolder => ({ ...c, ...relationOf(c, signalled, lineage) }));
    const portFree = again.candidates.length === 0 && again.hidden.length === 0;
    batch = newHolders.filter((c) => c.refused === undefined);
    const more = options.untilFree === true && batch.length > 0 && performance.now() < deadline;
    if (portFree || !more || round + 1 >= MAX_ROUNDS) return { ...plan, confirmed, results, portFree, newHolders };
  }
}
