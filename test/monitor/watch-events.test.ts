import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchSockets, type SocketEvent, type WatchOptions } from '../../src/index.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { asRoot } from '../helpers/system.js';

const LISTENER = new URL('../helpers/watch-listener.py', import.meta.url).pathname;

interface Reported {
  pid: number;
  port: number | number[];
}

function listen(kind: string, arg: number): Promise<Fixture<Reported>> {
  return startFixture<Reported>('python3', [LISTENER, kind, String(arg)]);
}

/** One watcher for a test: collects events until stopped. */
class Watcher {
  readonly events: SocketEvent[] = [];
  private readonly controller = new AbortController();
  private readonly done: Promise<void>;
  private polled!: () => void;
  /** Resolves after the first poll's events (the `initial` additions). */
  readonly ready = new Promise<void>((resolve) => (this.polled = resolve));

  constructor(options: WatchOptions) {
    this.done = (async () => {
      for await (const event of watchSockets({ ...options, signal: this.controller.signal })) {
        this.events.push(event);
        if (event.type === 'listener-added' && event.initial) this.polled();
      }
    })();
    // A quiet host may have no listener at all at the first poll.
    setTimeout(() => {
      this.polled();
    }, 3000);
  }

  /** Events about 127.0.0.1:`port` over TCP or UDP. */
  about(port: number): SocketEvent[] {
    return this.events.filter(
      (e) => 'listener' in e && e.listener.local.port === port && e.listener.local.address === '127.0.0.1',
    );
  }

  /** Waits (at most `timeoutMs`) until `test` holds on the events about `port`. */
  async until(port: number, test: (events: SocketEvent[]) => boolean, timeoutMs = 10_000): Promise<SocketEvent[]> {
    const end = Date.now() + timeoutMs;
    while (!test(this.about(port))) {
      if (Date.now() > end) throw new Error(`timed out; events: ${JSON.stringify(this.about(port))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.about(port);
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}

/** Long enough for a restart's gap plus a poll on a loaded host (polls can take a second there). */
const DEBOUNCE_MS = 3000;

const types = (events: readonly SocketEvent[]) => events.map((e) => e.type);

describe('watchSockets: listener events from polls', () => {
  // The tracepoint is off here: these tests are about what polls and the debounce make of real listeners.
  let watcher: Watcher;
  beforeAll(async () => {
    watcher = new Watcher({ intervalMs: 200, debounceMs: DEBOUNCE_MS, summaryIntervalMs: 0, tracepoint: false });
    await watcher.ready;
  });
  afterAll(() => watcher.stop());

  it('a listener that appears gives listener-added with its owner; its removal gives listener-removed after the debounce', async () => {
    const server = await listen('tcp', 0);
    const port = server.info.port as number;
    const [added] = await watcher.until(port, (e) => e.length > 0);
    expect(added).toMatchObject({
      type: 'listener-added',
      initial: false,
      listener: { protocol: 'tcp', family: 'inet', source: 'poll', owners: [{ pid: server.pid, command: 'python3' }] },
    });
    if (added?.type !== 'listener-added') throw new Error('expected an addition');
    expect(added.listener.backlog).toBe(8);
    expect(added.listener.acceptQueue).toBe(0);
    expect(added.listener.key).toMatch(new RegExp(`^\\d+/tcp/127\\.0\\.0\\.1/${String(port)}$`));
    const stoppedAt = Date.now();
    await server.stop();
    const events = await watcher.until(port, (e) => e.length > 1);
    expect(types(events)).toEqual(['listener-added', 'listener-removed']);
    // Not before the debounce: it might still have come back.
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(DEBOUNCE_MS);
  });

  it('a restart inside the debounce window is one listener-changed (no removal, no addition)', async () => {
    const first = await listen('tcp', 0);
    const port = first.info.port as number;
    const second = await listen('cue', port);
    try {
      await watcher.until(port, (e) => e.length > 0);
      await first.stop();
      // Gone for several polls, back well before the 3 s debounce ends.
      await new Promise((resolve) => setTimeout(resolve, 600));
      second.child.stdin?.write('\n');
      const events = await watcher.until(port, (e) => e.length > 1);
      // Past the end of the window of the first removal: still nothing more.
      await new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS));
      expect(types(watcher.about(port))).toEqual(['listener-added', 'listener-changed']);
      const changed = events[1];
      if (changed?.type !== 'listener-changed') throw new Error('expected a change');
      expect(changed.previous.owners.map((o) => o.pid)).toEqual([first.pid]);
      expect(changed.listener.owners.map((o) => o.pid)).toEqual([second.pid]);
      expect(changed.changes).toEqual(expect.arrayContaining(['socket', 'owners']));
      expect(changed.goneForMs).toBeGreaterThanOrEqual(200);
      expect(changed.goneForMs).toBeLessThan(DEBOUNCE_MS);
    } finally {
      await second.stop();
    }
  });

  it('UDP: an explicitly bound port outside the ephemeral range is a listener; client sockets are not', async () => {
    const server = await listen('udp', -1);
    const clients = await listen('udpclient', 0);
    try {
      const port = server.info.port as number;
      const [added] = await watcher.until(port, (e) => e.length > 0);
      expect(added).toMatchObject({
        type: 'listener-added',
        listener: { protocol: 'udp', owners: [{ pid: server.pid }] },
      });
      if (added?.type !== 'listener-added') throw new Error('expected an addition');
      expect(added.listener.acceptQueue).toBeUndefined();
      // Two more polls: the clients' ephemeral ports never show up.
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const clientPort of clients.info.port as number[]) expect(watcher.about(clientPort)).toEqual([]);
    } finally {
      await Promise.all([server.stop(), clients.stop()]);
    }
  });
});

describe.skipIf(!asRoot('the tracepoint tests of watchSockets'))('watchSockets: short-lived listeners (root)', () => {
  it('a listener open for 50 ms between two polls of a 2 s interval still gives listener-added and listener-removed', async () => {
    const watcher = new Watcher({ intervalMs: 2000, debounceMs: 300, summaryIntervalMs: 0, tracepoint: true });
    try {
      await watcher.ready;
      const instances = readdirSync('/sys/kernel/tracing/instances').filter((n) =>
        n.startsWith(`portscope-watch-${String(process.pid)}-`),
      );
      expect(instances).toHaveLength(1);
      const blink = await listen('blink', 50);
      const port = blink.info.port as number;
      try {
        const events = await watcher.until(port, (e) => e.length > 1, 5000);
        expect(types(events)).toEqual(['listener-added', 'listener-removed']);
        expect(events[0]).toMatchObject({ listener: { protocol: 'tcp' } });
        // Traced: the owner is the process that called listen(). (On a loaded host a poll may catch the
        // 50 ms first, and find no owner left by the time it walks the fds.)
        if (events[0]?.type === 'listener-added' && events[0].listener.source === 'tracepoint') {
          expect(events[0].listener.owners.map((o) => o.pid)).toEqual([blink.pid]);
        }
      } finally {
        await blink.stop();
      }
      await watcher.stop();
      // Aborting removed the private trace instance.
      expect(existsSync(`/sys/kernel/tracing/instances/${instances[0] ?? ''}`)).toBe(false);
    } finally {
      await watcher.stop();
    }
  });
});
