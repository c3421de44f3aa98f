import type { Listener, ListenerChange, SocketEvent } from './types.js';

interface Entry {
  listener: Listener;
  /** Date.now() of the last sighting (poll start, or the traced listen()). */
  seenMs: number;
  /** Date.now() it was first missed (or traced closing); undefined while present. */
  goneMs?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

function ownersKey(l: Listener): string {
  return l.owners.map((o) => `${String(o.pid)}@${o.startedAt ?? ''}`).join(',');
}

/** What differs between two sightings; inodes and owners compared only when both sides know them. */
export function listenerChanges(before: Listener, after: Listener): ListenerChange[] {
  const changes: ListenerChange[] = [];
  const bothPolled = before.source === 'poll' && after.source === 'poll';
  if (bothPolled && before.inodes.join(',') !== after.inodes.join(',')) changes.push('socket');
  if (bothPolled && ownersKey(before) !== ownersKey(after)) changes.push('owners');
  if (bothPolled && (before.v6only !== after.v6only || before.ifindex !== after.ifindex)) changes.push('scope');
  return changes;
}

/**
 * The event logic of watchSockets, apart from any I/O (times are passed in): a listener is added at
 * once, removed only after `debounceMs` missing, and one that comes back within that time (or is
 * swapped between two polls) is one `listener-changed`.
 */
export class ListenerTracker {
  private readonly entries = new Map<string, Entry>();
  private polled = false;

  constructor(private readonly debounceMs: number) {}

  /** The listeners present now (not missing). */
  current(): Listener[] {
    return [...this.entries.values()].filter((e) => e.goneMs === undefined).map((e) => e.listener);
  }

  /** Every listener tracked: present, or missing for less than `debounceMs`. */
  known(): Listener[] {
    return [...this.entries.values()].map((e) => e.listener);
  }

  /** A complete poll whose listing started at `startedMs`. */
  observe(listeners: readonly Listener[], startedMs: number, nowMs: number): SocketEvent[] {
    const events: SocketEvent[] = [];
    const initial = !this.polled;
    this.polled = true;
    const seen = new Set<string>();
    for (const listener of listeners) {
      seen.add(listener.key);
      const entry = this.entries.get(listener.key);
      if (entry === undefined) {
        this.entries.set(listener.key, { listener, seenMs: startedMs });
        events.push({ type: 'listener-added', time: iso(nowMs), listener, initial });
        continue;
      }
      // A listing begun before the traced close still shows the socket: not a comeback.
      if (entry.goneMs !== undefined && startedMs <= entry.goneMs) continue;
      const previous = entry.listener;
      const changes = listenerChanges(previous, listener);
      const goneMs = entry.goneMs;
      entry.listener = listener;
      entry.seenMs = startedMs;
      delete entry.goneMs;
      // Present all along: a traced sighting is completed by the poll, and only a difference is news.
      if (goneMs === undefined && (previous.source === 'tracepoint' || changes.length === 0)) continue;
      // Missed by one listing (a netns unreadable for a moment) but the very same socket: no news.
      if (goneMs !== undefined && previous.source === 'poll' && changes.length === 0) continue;
      events.push({
        type: 'listener-changed',
        time: iso(nowMs),
        listener,
        previous,
        changes: changes.length > 0 ? changes : ['socket'],
        ...(goneMs === undefined ? {} : { goneForMs: startedMs - goneMs }),
      });
    }
    for (const [key, entry] of this.entries) {
      if (seen.has(key) || entry.goneMs !== undefined || entry.seenMs > startedMs) continue;
      entry.goneMs = startedMs;
    }
    return events;
  }

  /** A traced listen(): added now, or the comeback of a missing listener. */
  traceOpen(listener: Listener, atMs: number): SocketEvent[] {
    const entry = this.entries.get(listener.key);
    if (entry === undefined) {
      this.entries.set(listener.key, { listener, seenMs: atMs });
      return [{ type: 'listener-added', time: iso(atMs), listener, initial: false }];
    }
    if (entry.goneMs === undefined) return [];
    const { goneMs, listener: previous } = entry;
    entry.listener = listener;
    entry.seenMs = atMs;
    delete entry.goneMs;
    const changes = listenerChanges(previous, listener);
    return [
      {
        type: 'listener-changed',
        time: iso(atMs),
        listener,
        previous,
        changes: changes.length > 0 ? changes : ['socket'],
        goneForMs: atMs - goneMs,
      },
    ];
  }

  /**
   * A traced close of a listening socket. `netns` undefined (its process is gone): the one present
   * listener with that protocol, address and port in any netns, if exactly one.
   */
  traceClose(
    match: { netns: number | undefined; protocol: string; address: string; port: number },
    atMs: number,
  ): void {
    const candidates = [...this.entries.values()].filter(
      ({ listener: l, goneMs }) =>
        goneMs === undefined &&
        l.protocol === match.protocol &&
        l.local.address === match.address &&
        l.local.port === match.port &&
        (match.netns === undefined || l.netns === match.netns),
    );
    const [only] = candidates;
    // SO_REUSEPORT: one of several sockets closed; the next poll tells whether any is left.
    if (candidates.length === 1 && only !== undefined && only.listener.inodes.length <= 1) only.goneMs = atMs;
  }

  /** Removals whose debounce ran out by `nowMs`. */
  expire(nowMs: number): SocketEvent[] {
    const events: SocketEvent[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.goneMs === undefined || nowMs - entry.goneMs < this.debounceMs) continue;
      this.entries.delete(key);
      events.push({
        type: 'listener-removed',
        time: iso(nowMs),
        goneAt: iso(entry.goneMs),
        listener: entry.listener,
      });
    }
    return events;
  }

  /** Milliseconds until the next removal falls due, or undefined when nothing is missing. */
  nextExpiryMs(nowMs: number): number | undefined {
    let next: number | undefined;
    for (const e of this.entries.values()) {
      if (e.goneMs === undefined) continue;
      const due = Math.max(0, e.goneMs + this.debounceMs - nowMs);
      next = next === undefined ? due : Math.min(next, due);
    }
    return next;
  }
}
