import type { Task } from './host-state.js';

/** One probe out. */
export interface Flight {
  readonly task: Task;
  /** performance.now() of the send, and the task's try number then. */
  readonly sentAt: number;
  readonly tries: number;
  readonly deadline: number;
  /** Set once the probe has started. */
  cancel: () => void;
  settled: boolean;
  /** Timed out, its socket kept open while the task's retry is out: a late answer still counts (TCP). */
  lingering: boolean;
}

/** A lingering try is closed at the latest this many time-outs after it was sent (nmap's probe expiry)... */
const EXPIRE_TIMEOUTS = 10;
/** ...and never later than this many ms after it was sent. */
const MAX_EXPIRE_MS = 10_000;

/** When a benched try stops waiting for a late answer: 10 of its time-outs after it was sent, at most 10 s. */
export function expiryOf(flight: Flight): number {
  return flight.sentAt + Math.min(MAX_EXPIRE_MS, EXPIRE_TIMEOUTS * Math.max(flight.deadline - flight.sentAt, 1));
}

/** When a lingering try's socket may be taken for another probe: one more time-out after its own. */
export function graceEndOf(flight: Flight): number {
  return flight.deadline + Math.max(flight.deadline - flight.sentAt, 1);
}

/**
 * The engine's probes out: the tries in flight (at most one per task), and per task the latest try
 * that timed out and lingers, its socket open for a late answer, while the task's retry is out. Only
 * the tries in flight count against the congestion window; lingering ones hold file descriptors.
 */
export class Flights {
  private readonly out = new Set<Flight>();
  private readonly live = new Map<Task, Flight>();
  private readonly lingering = new Map<Task, Flight>();

  /** Tries in flight. */
  get size(): number {
    return this.out.size;
  }

  /** Tries in flight and lingering: sockets open. */
  get sockets(): number {
    return this.out.size + this.lingering.size;
  }

  /** The tries in flight; settling the current one while iterating is safe (a Set's iterator). */
  inFlight(): IterableIterator<Flight> {
    return this.out.values();
  }

  /** A try went out: in flight, counted in its host's `inFlight`. */
  add(flight: Flight): void {
    this.out.add(flight);
    flight.task.host.inFlight++;
    this.live.set(flight.task, flight);
  }

  /** The flight has its outcome (or was cancelled): no longer in flight. */
  settle(flight: Flight): void {
    flight.settled = true;
    if (this.out.delete(flight)) flight.task.host.inFlight--;
    if (this.live.get(flight.task) === flight) this.live.delete(flight.task);
  }

  /** The task's try in flight, if any. */
  liveOf(task: Task): Flight | undefined {
    return this.live.get(task);
  }

  /** Keeps a settled, timed-out try open for a late answer; the task's earlier lingering try is closed. */
  linger(flight: Flight): void {
    this.drop(flight.task);
    flight.lingering = true;
    this.lingering.set(flight.task, flight);
  }

  /** The lingering try answered: forget it (its socket is closed by the probe). */
  answered(flight: Flight): void {
    flight.lingering = false;
    if (this.lingering.get(flight.task) === flight) this.lingering.delete(flight.task);
  }

  /**
   * True when one more try may open a socket under `limit` (tries in flight and lingering). When only
   * lingering tries hold the sockets, nothing in flight can free one: the oldest is closed once one
   * more of its time-outs has passed (true then), and until then this returns when that is; Infinity
   * when tries in flight hold them. A --max-parallelism 1 scan of a dropped port waited forever.
   */
  roomFor(limit: number, now: number): true | number {
    if (this.sockets < limit) return true;
    if (this.out.size > 0) return Infinity;
    let oldest: Flight | undefined;
    for (const flight of this.lingering.values()) {
      oldest = flight;
      break;
    }
    if (oldest === undefined) return Infinity;
    const at = graceEndOf(oldest);
    if (now < at) return at;
    this.drop(oldest.task);
    return true;
  }

  /** Closes the task's lingering try, if any. */
  drop(task: Task): void {
    const flight = this.lingering.get(task);
    if (flight === undefined) return;
    this.lingering.delete(task);
    flight.lingering = false;
    flight.cancel();
  }

  /** Closes every lingering try whose task `which` picks (all by default). */
  dropAll(which: (task: Task) => boolean = () => true): void {
    for (const task of [...this.lingering.keys()]) if (which(task)) this.drop(task);
  }
}
