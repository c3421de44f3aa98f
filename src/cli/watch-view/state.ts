import type { Listener, SocketEvent } from '../../monitor/types.js';

/** How long a new listener stays highlighted and a removed one stays shown struck out, in ms. */
export const MARK_MS = 10_000;
/** The states with a sparkline, as ss names them, and the kernel states each counts. */
export const SPARK_STATES: readonly (readonly [string, readonly string[]])[] = [
  ['ESTAB', ['ESTABLISHED']],
  ['TIME-WAIT', ['TIME_WAIT']],
  ['CLOSE-WAIT', ['CLOSE_WAIT']],
  ['SYN-RECV', ['SYN_RECV', 'NEW_SYN_RECV']],
];
/** Sparklines cover the last minute. */
const HISTORY_MS = 60_000;

/** One row of the view: a listener, and since when it is new or gone. */
export interface ViewRow {
  readonly listener: Listener;
  readonly addedMs?: number;
  readonly removedMs?: number;
}

/** ListenOverflows/ListenDrops of one netns: the first reading and the last. */
export interface OverflowCounters {
  readonly netns: string;
  readonly first: readonly [number, number];
  last: [number, number];
}

/**
 * What the live view shows, fed by watchSockets events (pure: times are passed in): the listeners, marks
 * for new and removed ones, TCP state counts of the last minute, and ListenOverflows/ListenDrops growth.
 */
export class ViewState {
  private readonly rows = new Map<string, ViewRow>();
  readonly history: { atMs: number; counts: ReadonlyMap<string, number> }[] = [];
  readonly overflows = new Map<string, OverflowCounters>();

  apply(event: SocketEvent, nowMs: number): void {
    if (event.type === 'listener-added') {
      this.rows.set(event.listener.key, {
        listener: event.listener,
        ...(event.initial ? {} : { addedMs: nowMs }),
      });
    } else if (event.type === 'listener-changed') {
      const row = this.rows.get(event.listener.key);
      this.rows.set(event.listener.key, {
        listener: event.listener,
        ...(row?.addedMs === undefined ? {} : { addedMs: row.addedMs }),
      });
    } else if (event.type === 'listener-removed') {
      this.rows.set(event.listener.key, { listener: event.listener, removedMs: nowMs });
    } else if (event.type === 'summary') {
      const counts = new Map<string, number>();
      for (const [label, states] of SPARK_STATES) {
        const n = event.sockets
          .filter((c) => c.protocol === 'tcp' && states.includes(c.state))
          .reduce((sum, c) => sum + c.count, 0);
        counts.set(label, n);
      }
      this.history.push({ atMs: nowMs, counts });
      while ((this.history[0]?.atMs ?? nowMs) < nowMs - HISTORY_MS) this.history.shift();
      for (const q of event.listeners) {
        const row = this.rows.get(q.key);
        if (row === undefined || row.removedMs !== undefined) continue;
        // The summary's queues are newer than the event's; absent stays absent.
        const listener: { -readonly [K in keyof Listener]: Listener[K] } = { ...row.listener };
        delete listener.acceptQueue;
        delete listener.backlog;
        if (q.acceptQueue !== undefined) listener.acceptQueue = q.acceptQueue;
        if (q.backlog !== undefined) listener.backlog = q.backlog;
        this.rows.set(q.key, { ...row, listener });
      }
    }
  }

  /** Records a netns's ListenOverflows and ListenDrops reading. */
  countOverflows(netns: string, overflows: number, drops: number): void {
    const seen = this.overflows.get(netns);
    if (seen === undefined) this.overflows.set(netns, { netns, first: [overflows, drops], last: [overflows, drops] });
    else seen.last = [overflows, drops];
  }

  /** The rows to show at `nowMs`: removed ones only for {@link MARK_MS}; marks that ran out are dropped. */
  visible(nowMs: number): ViewRow[] {
    const out: ViewRow[] = [];
    for (const [key, row] of this.rows) {
      if (row.removedMs !== undefined && nowMs - row.removedMs > MARK_MS) {
        this.rows.delete(key);
        continue;
      }
      if (row.addedMs !== undefined && nowMs - row.addedMs > MARK_MS) {
        const kept = { listener: row.listener };
        this.rows.set(key, kept);
        out.push(kept);
        continue;
      }
      out.push(row);
    }
    return out;
  }

  /** Every listener's pids, by netns (to read each netns's /proc/PID/net/netstat). */
  pidsByNetns(): Map<string, number> {
    const pids = new Map<string, number>();
    for (const { listener, removedMs } of this.rows.values()) {
      const pid = listener.owners[0]?.pid;
      if (removedMs !== undefined || pid === undefined || listener.netns === undefined) continue;
      if (!pids.has(String(listener.netns))) pids.set(String(listener.netns), pid);
    }
    return pids;
  }
}

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of `values` scaled to their own range. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(...values, 0);
  const min = Math.min(...values, max);
  return values.map((v) => BARS[max === min ? 0 : Math.round(((v - min) / (max - min)) * 7)] ?? ' ').join('');
}
