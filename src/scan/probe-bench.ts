import { expiryOf, type Flight } from './flights.js';
import type { HostState, Task } from './host-state.js';

/** What {@link ProbeBench.review} decided for one benched task. */
export type BenchDecision = 'retry' | 'final';

/**
 * nmap's probe bench, for TCP: a port whose last allowed try timed out is not filtered while the scan
 * of its host goes on. Its try stays open (lingering, see Flights) for a late answer, and the port is
 * decided later:
 * - a late answer settles it (the engine removes it with {@link remove});
 * - when the host's allowed tries rise (a retry elsewhere got an answer), it is retried;
 * - it is final (filtered) once no fresh port is left to scan, no try of its host is in flight, and
 *   the path is shown to work: a probe of the host sent after this try's deadline got its answer (so
 *   this try's answer, had one been coming, came first). Until then the bench asks for a timing ping
 *   (see TimingPings), so a stall at the end of a scan is waited out, not taken for filtering. A host
 *   that never answered a TCP probe cannot be pinged: there, the host's silence for one time-out
 *   (after this try's deadline) is taken instead;
 * - or at the try's expiry, 10 time-outs after it was sent (at most 10 s), whatever else.
 * Without the bench, a path that held answers past two time-outs (a burst into a slow link, a stalled
 * forwarder, a loaded machine) made open and closed ports filtered although every answer arrived.
 * Times are performance.now() milliseconds.
 */
export class ProbeBench {
  private readonly held = new Map<Task, Flight>();
  private nextReviewAt = Infinity;
  private dirty = false;

  /**
   * `allowedTries(host)`: the tries a port of `host` may have now (first try included); `pings` is asked
   * for a timing ping of a host whose benched ports wait for proof that the path works.
   */
  constructor(
    private readonly allowedTries: (host: HostState) => number,
    private readonly pings: { request(host: HostState): void } = { request: () => undefined },
  ) {}

  /** Benched tasks. */
  get size(): number {
    return this.held.size;
  }

  /** Benches the timed-out last try `flight` (its socket lingering). */
  add(flight: Flight): void {
    this.held.set(flight.task, flight);
    this.nextReviewAt = Math.min(this.nextReviewAt, flight.deadline);
  }

  /** The task was answered or dropped: no longer benched. */
  remove(task: Task): void {
    this.held.delete(task);
  }

  /** A host's allowed tries rose, or a ping answered: benched tasks may be decided at the next review. */
  recheck(): void {
    this.dirty = true;
  }

  /**
   * Decides every benched task that can be decided at `now`: `decide` is called with 'retry' when
   * the host's allowed tries now exceed the task's, or 'final' when it is filtered (see above), from
   * the host's `pingPort`, `lastAnsweredSentAt` (or `lastAnswerAt`), `inFlight` and current time-out; `sourceDone` is true once no fresh or
   * queued task is left. Tasks of skipped hosts are dropped silently. Returns when to review again
   * (Infinity: nothing benched).
   */
  review(now: number, sourceDone: boolean, decide: (flight: Flight, decision: BenchDecision) => void): number {
    if (this.held.size === 0) return Infinity;
    if (now < this.nextReviewAt && !this.dirty) return this.nextReviewAt;
    this.dirty = false;
    let next = Infinity;
    for (const [task, flight] of this.held) {
      if (task.host.skipped) {
        this.held.delete(task);
        continue;
      }
      const { host } = task;
      if (this.allowedTries(host) > task.tries + 1) {
        this.held.delete(task);
        decide(flight, 'retry');
        continue;
      }
      const timeoutMs = host.rtt.timeoutMs();
      // With a ping port: quiet once a probe sent after this try's deadline has answered, else never.
      const pingable = host.pingPort !== 0;
      const quietAt = pingable
        ? host.lastAnsweredSentAt >= flight.deadline
          ? now
          : Infinity
        : Math.max(flight.deadline, host.lastAnswerAt + timeoutMs);
      const expireAt = expiryOf(flight);
      const idle = sourceDone && host.inFlight === 0;
      if (now >= expireAt || (now >= quietAt && idle)) {
        this.held.delete(task);
        decide(flight, 'final');
      } else {
        if (idle && quietAt === Infinity) this.pings.request(host);
        // Not quiet yet: looked at again when it may be, and at least once per time-out meanwhile.
        next = Math.min(next, expireAt, now >= quietAt || pingable ? now + timeoutMs : quietAt);
      }
    }
    this.nextReviewAt = next;
    return next;
  }

  /** Forgets every benched task (abort). */
  clear(): void {
    this.held.clear();
    this.nextReviewAt = Infinity;
  }
}
