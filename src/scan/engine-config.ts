import type { HostState, Task } from './host-state.js';
import type { ScanProtocol } from './port-spec.js';
import type { ProbeOutcome, StartProbe } from './probes/outcome.js';
import type { TimingValues } from './timing.js';
import type { CongestionWindow } from './window.js';

/** A final answer for a task: a state from the target, or no-response after the last retry. */
export type FinalOutcome = Extract<ProbeOutcome, { type: 'answer' }>;

/** Settings of one engine run. */
export interface EngineConfig {
  readonly timing: TimingValues;
  readonly window: CongestionWindow;
  readonly probes: Readonly<Record<ScanProtocol, StartProbe>>;
  /** Send at least this many probes per second, past the window if need be. */
  readonly minRate?: number;
  /** Send at most this many probes per second. */
  readonly maxRate?: number;
  readonly signal?: AbortSignal;
  /** Counters to add to (shared across runs); a fresh set by default. */
  readonly stats?: EngineStats;
  /** Fresh tasks in scan order; undefined when there are no more. */
  next(): Task | undefined;
  /** Called once per task with its final outcome. */
  onResult(task: Task, outcome: FinalOutcome): void;
  /** Called when a host passes --host-timeout. */
  onHostTimeout?(host: HostState): void;
}

/** Counters of an engine run. */
export interface EngineStats {
  sent: number;
  retries: number;
  /** Timing pings sent (see TimingPings), counted in `sent` too. */
  pings: number;
  selfConnects: number;
  backPressure: number;
  inFlight: number;
  aborted: boolean;
}

/** Counters at zero. */
export function newEngineStats(): EngineStats {
  return { sent: 0, retries: 0, pings: 0, selfConnects: 0, backPressure: 0, inFlight: 0, aborted: false };
}
