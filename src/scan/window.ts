import { readFileSync } from 'node:fs';

/** File descriptors kept free for everything that is not a probe (stdio, the loop, output files). */
const FD_RESERVE = 64;

/**
 * The soft `Max open files` limit of this process, from /proc/self/limits; 1024 when it cannot be
 * read (non-Linux, or unlimited).
 */
export function openFileLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.slice(26).trim().split(/\s+/)[0]);
    return Number.isInteger(soft) && soft > 0 ? soft : 1024;
  } catch {
    return 1024;
  }
}

/**
 * The scan's congestion window: how many probes may be in flight. It starts small, doubles per
 * round trip while answers come (slow start, +1 per answer) up to the threshold, then grows by
 * about one per window (congestion avoidance); on loss it halves (once per loss event) and the
 * threshold drops to the new size. Capped by `max` (from the fd limit and --max-parallelism) and by back-pressure.
 */
export class CongestionWindow {
  private cwnd: number;
  private ssthresh: number;
  private cap: number;
  private lastLossAtMs = -Infinity;

  constructor(
    private readonly min: number,
    max: number,
    initial = Math.min(max, 64),
  ) {
    this.cwnd = Math.max(min, initial);
    this.ssthresh = max;
    this.cap = max;
  }

  /** The most the window may ever grow to. */
  get limit(): number {
    return this.cap;
  }

  /** Probes that may be in flight now. */
  get size(): number {
    return Math.max(this.min, Math.min(Math.floor(this.cwnd), this.cap));
  }

  /** An answer came: grow. */
  onAnswer(): void {
    this.cwnd += this.cwnd < this.ssthresh ? 1 : 1 / this.cwnd;
    if (this.cwnd > this.cap) this.cwnd = this.cap;
  }

  /**
   * A probe sent at `sentAtMs` (performance.now()) was lost or delayed past its time-out (a retry
   * answered where the first try did not, or the first try answered late): halve, once per loss
   * event as TCP and nmap do. A probe sent before the last halving adds nothing: its window is
   * already gone, and a burst that overflowed a queue must not halve the window once per port.
   */
  onLoss(sentAtMs: number, nowMs: number): void {
    if (sentAtMs <= this.lastLossAtMs) return;
    this.lastLossAtMs = nowMs;
    this.cwnd = Math.max(this.min, this.cwnd / 2);
    this.ssthresh = Math.max(this.min, this.cwnd);
  }

  /**
   * The kernel pushed back (EMFILE, ENFILE, ENOBUFS, EADDRNOTAVAIL) with `inFlight` probes open:
   * lower the cap below that, for the rest of the scan.
   */
  onBackPressure(inFlight: number): void {
    this.cap = Math.max(this.min, Math.min(this.cap, Math.floor(inFlight * 0.9)));
    this.cwnd = Math.min(this.cwnd, this.cap);
  }

  /** The event loop is late (the process is the bottleneck): shrink by a quarter. */
  onLoopLag(): void {
    this.cwnd = Math.max(this.min, this.cwnd * 0.75);
  }
}

/** The largest window the fd limit allows: `Max open files` minus a reserve, and at least 1. */
export function windowLimit(maxParallelism = 0): number {
  const byFds = Math.max(1, openFileLimit() - FD_RESERVE);
  return maxParallelism > 0 ? Math.min(maxParallelism, byFds) : byFds;
}
