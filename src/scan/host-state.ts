import type { EngineStats } from './engine-config.js';
import type { ScanProtocol } from './port-spec.js';
import type { ScanTarget } from './resolve-targets.js';
import { RttEstimator, type TimingValues } from './timing.js';

/** Per-host timing state, shared by discovery and the port scan. */
export interface HostState {
  readonly target: ScanTarget;
  readonly rtt: RttEstimator;
  /** Highest try number (0 = first probe) that ever got an answer from this host; -1 before any. */
  maxSuccessfulTry: number;
  scanDelayMs: number;
  nextSendAt: number;
  /** performance.now() of the first probe, 0 before. */
  startedAt: number;
  /** performance.now() of the host's latest answer to a port probe (late ones included), 0 before. */
  lastAnswerAt: number;
  /**
   * performance.now() at which the latest-sent probe that got an answer was sent, 0 before: once a probe
   * sent after some try's time-out has its answer, the path works and that try's answer is not coming.
   */
  lastAnsweredSentAt: number;
  /** A TCP port of this host that answered (open or closed), the latest: where timing pings go; 0 before. */
  pingPort: number;
  /** The host's tries in flight (sent, not timed out nor answered; lingering ones not counted). */
  inFlight: number;
  /** Set when the host timed out (--host-timeout) or is done with: its probes are dropped. */
  skipped: boolean;
  /** Probes held back by the scan delay. */
  readonly waiting: Task[];
  /** The host answered some UDP probe with ICMP port-unreachable: its silence may be rate limiting. */
  portUnreachSeen: boolean;
  /** When the next paced UDP retry may go (one per UDP_PACE_MS). */
  pacedNextAt: number;
}

/** One port of one host to probe; `tries` counts probes already sent and lost. */
export interface Task {
  readonly host: HostState;
  readonly port: number;
  readonly protocol: ScanProtocol;
  tries: number;
  selfConnects: number;
  /** UDP retries sent at the ICMP rate-limit pace (0 or absent before any); silence after MAX_PACED_TRIES is final. */
  pacedTries?: number;
  /** A timing ping (see TimingPings), not a port of the scan: never reported, never retried. */
  ping?: boolean;
  /** Set when an earlier try answered late, after its retry was queued: the queue drops the retry. */
  done?: boolean;
  /** Set while a retry after a time-out waits in the queue: counted in `retries` when it is sent, not before. */
  retryQueued?: boolean;
  /**
   * When the latest try that timed out was sent (performance.now() ms): if a later try answers, that
   * is when the lost probe went, which decides whether it belongs to a loss event already counted.
   */
  lostSentAt?: number;
}

/**
 * Counts a probe of `task` as sent in `stats`, and as a retry when it is one after a time-out: counted
 * here rather than when queued, since a late answer or --host-timeout can drop a queued retry.
 */
export function countSent(stats: EngineStats, task: Task): void {
  stats.sent++;
  if (task.retryQueued === true) stats.retries++;
  else if (task.ping === true) stats.pings++;
  task.retryQueued = false;
}

/**
 * Notes an answer of `task` to its try sent at `sentAt` (performance.now() ms) after `tries` lost ones,
 * `rttMs` after it was sent: the RTT sample, the time of the host's last answer and the send time of
 * its latest-sent answered probe, a TCP port for timing pings, and the highest successful try. Returns
 * true when that highest try rose (the host's ports may now get more tries).
 */
export function noteAnswer(task: Task, rttMs: number, tries: number, sentAt: number): boolean {
  const { host } = task;
  host.rtt.observe(rttMs);
  host.lastAnswerAt = performance.now();
  if (sentAt > host.lastAnsweredSentAt) host.lastAnsweredSentAt = sentAt;
  if (task.protocol === 'tcp') host.pingPort = task.port;
  if (tries <= host.maxSuccessfulTry) return false;
  host.maxSuccessfulTry = tries;
  return true;
}

/** A fresh host state for `target`. */
export function newHostState(target: ScanTarget, timing: TimingValues): HostState {
  return {
    target,
    rtt: new RttEstimator(timing),
    maxSuccessfulTry: -1,
    scanDelayMs: timing.scanDelayMs,
    nextSendAt: 0,
    startedAt: 0,
    lastAnswerAt: 0,
    lastAnsweredSentAt: 0,
    pingPort: 0,
    inFlight: 0,
    skipped: false,
    waiting: [],
    portUnreachSeen: false,
    pacedNextAt: 0,
  };
}

/** The address (and host name, when it was resolved from one) of a host, for its results. */
export function hostFields(host: HostState): { address: string; hostname?: string } {
  return host.target.hostname === undefined
    ? { address: host.target.address }
    : { address: host.target.address, hostname: host.target.hostname };
}
