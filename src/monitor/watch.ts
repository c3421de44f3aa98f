import { PortscopeError } from '../errors.js';
import type { NamespaceInfo, Protocol } from '../model/index.js';
import { ListenerPoller } from './poll.js';
import { PolicyWatch } from './policy-watch.js';
import { summarize } from './summary.js';
import { TraceSession } from './tracefs.js';
import { tracedListener, tracedNetns } from './traced-listener.js';
import { ListenerTracker } from './tracker.js';
import type { SocketEvent, WatchOptions, WatchWarningEvent } from './types.js';
import { normalizeWatchOptions, type NormalizedWatchOptions } from './watch-options.js';

/** How often the trace pipe is read between polls, in milliseconds. */
const TRACE_READ_MS = 100;

function warning(code: string, message: string): WatchWarningEvent {
  return { type: 'warning', time: new Date().toISOString(), code, message };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The trace session, or why there is none (`'auto'`), or a throw (`true`). */
function openTrace(options: NormalizedWatchOptions): { session?: TraceSession; warning?: WatchWarningEvent } {
  if (options.tracepoint === false) return {};
  const tcp = options.protocols.includes('tcp');
  if (!tcp) return {};
  try {
    if (process.getuid?.() !== 0) {
      throw new PortscopeError('PERMISSION_DENIED', 'Reading the sock:inet_sock_set_state tracepoint needs root');
    }
    return { session: TraceSession.open() };
  } catch (error) {
    if (options.tracepoint === true) throw error;
    const why = error instanceof Error ? error.message : String(error);
    return {
      warning: warning(
        'TRACEPOINT_UNAVAILABLE',
        `${why}: a TCP listener opened and closed between two polls will not be seen`,
      ),
    };
  }
}

/**
 * Watches this machine's listeners and yields events (docs/watch.md): `listener-added` at once,
 * `listener-removed` after `debounceMs` missing, `listener-changed` when one comes back within that
 * time or its owners/scope/sockets change (a restart), `summary` every `summaryIntervalMs`, and
 * `warning` for non-fatal problems, and with a `policy` `policy-violation` after a poll (PolicyWatch). The first poll yields every listener present as
 * `listener-added` with `initial: true`.
 *
 * Data: every `intervalMs`, one sock_diag listing of listening TCP and unconnected UDP/unix sockets
 * (state mask, no owners) and an fd walk for new inodes only; as root, also the
 * `sock:inet_sock_set_state` tracepoint through a private tracefs instance (read every 100 ms).
 * Aborting `signal` ends the iteration quietly and removes the trace instance (so does `break`).
 *
 * @throws PortscopeError `INVALID_ARGUMENT` (bad option), `NOT_FOUND` (unknown netns, on the first
 *   poll), `UNSUPPORTED_PLATFORM` (not Linux), and with `tracepoint: true` `PERMISSION_DENIED` or
 *   `UNSUPPORTED_PLATFORM` when the tracepoint cannot be read.
 */
export async function* watchSockets(options: WatchOptions = {}): AsyncGenerator<SocketEvent, void, undefined> {
  const o = normalizeWatchOptions(options);
  if (process.platform !== 'linux') {
    throw new PortscopeError('UNSUPPORTED_PLATFORM', `Expected Linux, got \`${process.platform}\``);
  }
  const protocols: readonly Protocol[] = o.protocols;
  const poller = new ListenerPoller(o.netns, protocols, o.ephemeralUdp);
  const tracker = new ListenerTracker(o.debounceMs);
  const policy = o.policy === undefined ? undefined : new PolicyWatch(o.policy);
  // Before the first poll, so that a listener opened during it is traced.
  const trace = openTrace(o);
  let namespaces: readonly NamespaceInfo[] = [];
  let netnsSet: ReadonlySet<number> | undefined;
  try {
    if (trace.warning !== undefined) yield trace.warning;
    let nextPollMs = Date.now();
    let nextSummaryMs = o.summaryIntervalMs > 0 ? Date.now() + o.summaryIntervalMs : Infinity;
    let first = true;
    const warned = new Set<string>();
    while (o.signal?.aborted !== true) {
      const events: SocketEvent[] = [];
      for (const record of trace.session?.drain() ?? []) {
        if (record.listen) {
          const listener = tracedListener(record, namespaces);
          if (netnsSet !== undefined && (listener.netns === undefined || !netnsSet.has(listener.netns))) continue;
          events.push(...tracker.traceOpen(listener, record.atMs));
        } else {
          const netns = tracedNetns(record);
          tracker.traceClose({ netns, protocol: 'tcp', address: record.address, port: record.port }, record.atMs);
        }
      }
      if (Date.now() >= nextPollMs) {
        nextPollMs = Date.now() + o.intervalMs;
        try {
          const result = await poller.poll();
          namespaces = result.namespaces;
          if (o.netns !== 'all') netnsSet = new Set(namespaces.map((n) => n.netns));
          const seen = tracker.observe(result.listeners, result.startedMs, Date.now());
          events.push(...seen);
          const changed = new Set(seen.flatMap((e) => (e.type === 'listener-changed' ? [e.listener.key] : [])));
          events.push(...(policy?.check(tracker.current(), tracker.known(), changed, namespaces, Date.now()) ?? []));
          for (const w of result.warnings) {
            if (w.code === 'NETNS_GONE' || warned.has(w.message)) continue;
            warned.add(w.message);
            events.push(warning(w.code, w.message));
          }
        } catch (error) {
          if (first) throw error;
          events.push(warning('POLL_FAILED', error instanceof Error ? error.message : String(error)));
        }
        first = false;
      }
      events.push(...tracker.expire(Date.now()));
      if (Date.now() >= nextSummaryMs) {
        nextSummaryMs = Date.now() + o.summaryIntervalMs;
        events.push(await summarize(o.netns, protocols, tracker.current()));
      }
      for (const event of events) yield event;
      const now = Date.now();
      const waits = [nextPollMs - now, nextSummaryMs - now, tracker.nextExpiryMs(now) ?? Infinity];
      if (trace.session !== undefined) waits.push(TRACE_READ_MS);
      await sleep(Math.max(0, Math.min(...waits)), o.signal);
    }
  } finally {
    trace.session?.close();
  }
}
