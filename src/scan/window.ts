import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** File descriptors kept free for everything that is not a probe (stdio, the loop, output files). */
const FD_RESERVE = 64;

/** After a drop, the slow-start threshold is the tries in flight divided by this (nmap's -T3 value, 3/2). */
const DROP_SSTHRESH_DIVISOR = 1.5;

/**
 * HyStart's delay test (Linux tcp_cubic.c): the first 8 answers of each round of slow start; slow start
 * ends when even the least of their round trips exceeds its host's least one by 1/8 of it, clamped to
 * 4-16 ms.
 */
const HYSTART_SAMPLES = 8;
const HYSTART_MIN_MS = 4;
const HYSTART_MAX_MS = 16;
/**
 * ...for hosts whose least round trip is at least this: nearer ones (loopback) answer in microseconds,
 * and a rise of milliseconds there is this process's own backlog (the loop-lag signal's business), not a
 * queue on the path; ending slow start on it made `-p-` on loopback 7% slower.
 */
const HYSTART_MIN_BASE_MS = 1;

/**
 * An answer that waited longer than this in this process (in the connect loop's queue, or for the
 * event loop) beyond its round trip on the wire does not grow the window: the process, not the path,
 * limits the scan, and more probes in flight only queue here. On loopback the window grew to ~5,000
 * probes (of 10,000) that way, held as objects the garbage collector copied.
 */
export const LOCAL_QUEUE_MAX_MS = 10;

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
 * threshold drops to the new size; on a drop (the host went silent: see TimingPings) it falls to its
 * minimum. Capped by `max` (from the fd limit and --max-parallelism) and by back-pressure.
 */
export class CongestionWindow {
  private cwnd: number;
  private ssthresh: number;
  private cap: number;
  private lastLossAtMs = -Infinity;
  /** A timing ping was lost and no answer has come in its time-out since (see onDrop). */
  private stalled = false;
  /** The current loss event began with, or took in, a drop: its late answers grow the window back. */
  private afterDrop = false;
  /** HyStart: when the current round began (performance.now() ms), its answers seen, and their least excess delay over the threshold. */
  private roundStartedAt = -Infinity;
  private roundSamples = 0;
  private roundMargin = Infinity;
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

  /**
   * An answer came in its time-out: grow. After a drop, the path works again: the stall is over. With
   * its round trip `rttMs`, the send time of its probe `sentAtMs` and its host's least round trip
   * `minRttMs`, it is also a sample of HyStart's delay test (see {@link hystart}). `localMs`, the
   * time it spent in this process besides its round trip, stops the growth past {@link LOCAL_QUEUE_MAX_MS}.
   */
  onAnswer(rttMs?: number, sentAtMs?: number, minRttMs?: number, localMs = 0): void {
    if (this.stalled) this.endStall();
    if (rttMs !== undefined && this.cwnd < this.ssthresh) this.hystart(rttMs, sentAtMs ?? 0, minRttMs ?? rttMs);
    if (localMs > LOCAL_QUEUE_MAX_MS) return;
    this.cwnd += this.cwnd < this.ssthresh ? 1 : 1 / this.cwnd;
    if (this.cwnd > this.cap) this.cwnd = this.cap;
  }

  /**
   * A probe sent at `sentAtMs` (performance.now()) was lost or delayed past its time-out (a retry
   * answered where the first try did not, or the first try answered late): halve, once per loss
   * event as TCP and nmap do. A probe sent before the last halving adds nothing: its window is
   * already gone, and a burst that overflowed a queue must not halve the window once per port. After
   * a drop, these are the answers the stall held back: the path delivers again, so the stall is over
   * and each grows the window in slow start, up to the threshold (+1, as an answer would).
   */
  onLoss(sentAtMs: number, nowMs: number): void {
    if (this.stalled || sentAtMs <= this.lastLossAtMs) {
      if (!this.afterDrop) return;
      if (this.stalled) this.endStall();
      if (this.cwnd < this.ssthresh) this.cwnd = Math.min(this.cwnd + 1, this.cap);
      return;
    }
    this.lastLossAtMs = nowMs;
    this.afterDrop = false;
    this.cwnd = Math.max(this.min, this.cwnd / 2);
    this.ssthresh = Math.max(this.min, this.cwnd);
  }

  /**
   * A timing ping sent at `sentAtMs` got no answer in its time-out while `inFlight` tries were out: the
   * path to the host has stopped (a stall, a dead link) or is badly congested. As nmap's host drop (and
   * TCP on a retransmission time-out): the window falls to its minimum and the threshold to the tries in
   * flight / 1.5, so the ports left wait instead of being spent into the stall. One stall is one loss
   * event: until an answer comes again, further lost pings keep the window at its minimum and hold the
   * threshold (as TCP holds ssthresh on a second time-out of the same segment, RFC 5681), and the tries
   * sent into the stall, lost or late with it, do not lower it again when their answers come (the window
   * stayed at a few probes for a second after a stall when they did; see onLoss).
   */
  onDrop(sentAtMs: number, nowMs: number, inFlight: number): void {
    const newEvent = !this.stalled && sentAtMs > this.lastLossAtMs;
    this.lastLossAtMs = Math.max(this.lastLossAtMs, nowMs);
    this.cwnd = this.min;
    this.stalled = true;
    this.afterDrop = true;
    if (newEvent) this.ssthresh = Math.max(this.min, 2, inFlight / DROP_SSTHRESH_DIVISOR);
  }

  /**
   * HyStart's delay test (Ha and Rhee; Linux tcp_cubic.c), with each host's own least round trip as the
   * base, so hosts at different distances can share the window: a round starts when an answer comes
   * to a probe sent after the last round started; if even the least of the first 8 round trips of a
   * round exceeds its host's least by 1/8 of that (4-16 ms), a queue is building on the path: slow
   * start ends there (the threshold falls to the window) before the queue overflows. Over the lab's
   * 20 ms delay bridge, slow start had grown the window to ~4,000 probes, whose answers the bridge
   * queued for 270-370 ms: a quarter of the probes were retries.
   */
  private hystart(rttMs: number, sentAtMs: number, minRttMs: number): void {
    if (sentAtMs > this.roundStartedAt) {
      this.roundStartedAt = performance.now();
      this.roundSamples = 0;
      this.roundMargin = Infinity;
    }
    if (this.roundSamples >= HYSTART_SAMPLES || minRttMs < HYSTART_MIN_BASE_MS) return;
    const threshold = Math.min(HYSTART_MAX_MS, Math.max(HYSTART_MIN_MS, minRttMs / 8));
    this.roundMargin = Math.min(this.roundMargin, rttMs - minRttMs - threshold);
    if (++this.roundSamples === HYSTART_SAMPLES && this.roundMargin >= 0) this.ssthresh = this.cwnd;
  }

  /** The stall's loss event covers every probe sent until now. */
  private endStall(): void {
    this.stalled = false;
    this.lastLossAtMs = Math.max(this.lastLossAtMs, performance.now());
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
