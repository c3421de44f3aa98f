import type { HostState, Task } from './host-state.js';

/**
 * Linux answers at most one ICMP error per second per peer after a burst of 6 (net.ipv4.icmp_ratelimit
 * = 1000 ms, a token bucket counted in jiffies): a UDP port that stays silent on a host that sends
 * port-unreachables gets more probes at this pace, measured from the send time of the probe whose
 * answer spent the last token. 1% to spare covers a jiffy (4 ms at HZ=250) and the link's jitter; a
 * probe that still arrives a little early is refused without spending the token, so it is paced again.
 */
export const UDP_PACE_MS = 1010;

/** Paced probes a silent UDP port gets before open|filtered is final (the second covers a rare early arrival). */
export const MAX_PACED_TRIES = 2;

/**
 * The engine's tasks waiting to go, taken in this order: paced UDP retries whose host's pace
 * allows, tasks a host's scan delay held back once it allows, retries, then fresh tasks from
 * `source` (the scan order). Tasks of skipped hosts, and retries an earlier try answered meanwhile, are dropped. Times are performance.now() ms.
 */
export class TaskQueue {
  private readonly retries: Task[] = [];
  private readonly paced: Task[] = [];
  private readonly delayedHosts = new Set<HostState>();
  private sourceDone = false;

  constructor(private readonly source: () => Task | undefined) {}

  /** A task to send again before anything else (back-pressure, self-connect). */
  retryFirst(task: Task): void {
    this.retries.unshift(task);
  }

  /** A task to send again after the retries already waiting. */
  retry(task: Task): void {
    this.retries.push(task);
  }

  /** A UDP task to send again at its host's ICMP pace. */
  pace(task: Task): void {
    this.paced.push(task);
  }

  /** True once the source is exhausted and nothing waits. */
  get empty(): boolean {
    return this.sourceDone && this.retries.length === 0 && this.delayedHosts.size === 0 && this.paced.length === 0;
  }

  /** The earliest time a held-back or paced task may go (Infinity when none waits). */
  nextWakeAt(): number {
    let at = Infinity;
    for (const host of this.delayedHosts) at = Math.min(at, host.nextSendAt);
    for (const task of this.paced) at = Math.min(at, task.host.pacedNextAt);
    return at;
  }

  /**
   * The next task that may go at `now`, or undefined. Fresh tasks whose host is held back by its
   * scan delay go to that host's waiting list; at most `maxHeld` are set aside in one call.
   */
  take(now: number, maxHeld: number): Task | undefined {
    for (let i = 0; i < this.paced.length; i++) {
      const task = this.paced[i] as Task;
      if (task.host.skipped) {
        this.paced.splice(i--, 1);
      } else if (task.host.pacedNextAt <= now) {
        this.paced.splice(i, 1);
        task.host.pacedNextAt = now + UDP_PACE_MS;
        return task;
      }
    }
    for (const host of this.delayedHosts) {
      if (host.skipped) {
        host.waiting.length = 0;
        this.delayedHosts.delete(host);
      } else if (host.nextSendAt <= now && host.waiting.length > 0) {
        const task = host.waiting.shift() as Task;
        if (host.waiting.length === 0) this.delayedHosts.delete(host);
        // A retry held back here whose earlier try answered late meanwhile is dropped: the port has its result.
        if (task.done !== true) return task;
      }
    }
    let held = 0;
    for (;;) {
      const task = this.retries.shift() ?? (this.sourceDone ? undefined : this.source());
      if (task === undefined) {
        this.sourceDone = true;
        return undefined;
      }
      if (task.host.skipped || task.done === true) continue;
      const host = task.host;
      if (host.nextSendAt > now || host.waiting.length > 0) {
        host.waiting.push(task);
        this.delayedHosts.add(host);
        if (++held > maxHeld) return undefined;
        continue;
      }
      return task;
    }
  }
}
