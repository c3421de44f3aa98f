import { performance } from 'node:perf_hooks';
import type { ProbeOutcome } from './probes/outcome.js';
import { newEngineStats, type EngineConfig, type EngineStats, type FinalOutcome } from './engine-config.js';
import { DeadlineHeap } from './deadline-heap.js';
import { Flights, type Flight } from './flights.js';
import { countSent, noteAnswer, type HostState, type Task } from './host-state.js';
import { afterTimeout, markRetry } from './after-timeout.js';
import { ProbeBench, type BenchDecision } from './probe-bench.js';
import { TimingPings } from './timing-pings.js';
import { TaskQueue, UDP_PACE_MS } from './task-queue.js';

export { newEngineStats, type EngineConfig, type EngineStats, type FinalOutcome } from './engine-config.js';

const MAX_SELF_CONNECTS = 8;
const MAX_BATCH = 512;

/**
 * Runs probes until `next()` is exhausted and every probe has a final outcome. Time-outs are
 * decided in a check-phase callback (setImmediate) scheduled by the timer, so replies that are
 * already waiting in the kernel are read in the poll phase first: a timer never beats an answer.
 * Retries follow nmap (see afterTimeout). A TCP try that timed out stays open while its retry is
 * out, and its late answer is the port's answer; a TCP port whose last allowed try timed out waits on
 * nmap's probe bench (see ProbeBench): on a path whose queues hold answers past the time-outs, the
 * ports are not lost for want of waiting; a silent host gets timing pings (see TimingPings).
 */
export function runEngine(config: EngineConfig): Promise<EngineStats> {
  const { timing, window, signal } = config;
  const stats = config.stats ?? newEngineStats();
  const heap = new DeadlineHeap<Flight>();
  const flights = new Flights();
  const queue = new TaskQueue(() => config.next());
  const startedAt = performance.now();
  let pausedUntil = 0;
  let wake: NodeJS.Timeout | undefined;
  let wakeAt = Infinity;
  let pumpQueued = false;
  let finish: (s: EngineStats) => void = () => undefined;
  const allowedTries = (host: HostState) => 1 + Math.min(timing.maxRetries, Math.max(1, host.maxSuccessfulTry + 1));
  const pings = new TimingPings(window, queue);
  const bench = new ProbeBench(allowedTries, pings);

  /** True when `host` is skipped, or past --host-timeout at `now` (then it is skipped and reported). */
  const timedOut = (host: HostState, now: number): boolean => {
    if (host.skipped) return true;
    if (timing.hostTimeoutMs <= 0 || host.startedAt === 0 || now - host.startedAt <= timing.hostTimeoutMs) return false;
    host.skipped = true;
    config.onHostTimeout?.(host);
    return true;
  };

  const final = (task: Task, outcome: FinalOutcome) => {
    if (!timedOut(task.host, performance.now())) config.onResult(task, outcome);
  };

  /** A try that timed out answered after all, its retry queued or out: that answer is the port's. */
  const lateAnswer = (flight: Flight, outcome: ProbeOutcome & { type: 'answer' }) => {
    const { task } = flight;
    flights.answered(flight);
    bench.remove(task);
    const retry = flights.liveOf(task);
    if (retry === undefined) task.done = true;
    else {
      flights.settle(retry);
      retry.cancel();
    }
    if (noteAnswer(task, outcome.rttMs, flight.tries, flight.sentAt)) bench.recheck();
    // It came after its time-out: a queue on the path holds the probes; send fewer at once.
    window.onLoss(flight.sentAt, performance.now());
    final(task, outcome);
    schedulePump();
  };

  /** A try got no answer in its time-out: retry or bench (keeping a TCP try open for a late answer), or final. */
  const timedOutTry = (flight: Flight) => {
    const { task } = flight;
    flights.drop(task);
    // Nothing came from the host since this try went out: a stall, or filtered ports? A ping tells.
    if (task.protocol === 'tcp' && task.host.lastAnswerAt < flight.sentAt) pings.request(task.host);
    const next = afterTimeout(flight, timing.maxRetries, allowedTries);
    if (next === 'retry') queue.retry(task);
    else if (next === 'paced') queue.pace(task);
    else if (next === 'final') final(task, { type: 'answer', state: 'open|filtered', reason: 'no-response', rttMs: 0 });
    if ((next === 'retry' && task.protocol === 'tcp') || next === 'bench') flights.linger(flight);
    else flight.cancel();
    if (next === 'bench') bench.add(flight);
  };

  /** A benched task's turn: sent again, or filtered (its lingering try closed). */
  const unbench = (flight: Flight, decision: BenchDecision) => {
    if (decision === 'retry') queue.retry(markRetry(flight));
    else {
      flights.drop(flight.task);
      final(flight.task, { type: 'answer', state: 'filtered', reason: 'no-response', rttMs: 0 });
    }
  };

  const onOutcome = (flight: Flight, outcome: ProbeOutcome) => {
    if (flight.task.ping === true) {
      if (pings.outcome(flight, outcome, flights)) bench.recheck();
      schedulePump();
      return;
    }
    if (flight.settled) {
      if (flight.lingering && outcome.type === 'answer') lateAnswer(flight, outcome);
      return;
    }
    flights.settle(flight);
    const { task } = flight;
    if (outcome.type === 'timeout') {
      timedOutTry(flight);
    } else if (outcome.type === 'self-connect') {
      stats.selfConnects++;
      task.selfConnects++;
      if (task.selfConnects < MAX_SELF_CONNECTS) queue.retryFirst(task);
      else final(task, { type: 'answer', state: 'closed', reason: 'conn-refused', rttMs: 0, error: 'self-connect' });
    } else if (outcome.type === 'pressure') {
      stats.backPressure++;
      window.onBackPressure(flights.size + 1);
      pausedUntil = performance.now() + (outcome.code === 'EADDRNOTAVAIL' ? 100 : 10);
      queue.retryFirst(task);
    } else {
      flights.drop(task);
      const { host } = task;
      if (noteAnswer(task, outcome.rttMs, task.tries, flight.sentAt)) bench.recheck();
      if (outcome.reason === 'port-unreach') {
        // That answer spent one of the host's ICMP tokens when its probe arrived: the next paced probe
        // goes a full pace after that probe was sent (the one-way delays cancel out).
        host.portUnreachSeen = true;
        host.pacedNextAt = Math.max(host.pacedNextAt, performance.now() - outcome.rttMs + UDP_PACE_MS);
      }
      if (task.tries > 0) {
        // The earlier try got no answer but this one did: a probe (or its answer) was lost, when that try went.
        window.onLoss(task.lostSentAt ?? flight.sentAt, performance.now());
        if (task.protocol === 'udp') {
          host.scanDelayMs = Math.min(timing.maxScanDelayMs, Math.max(50, host.scanDelayMs * 2));
        }
      } else {
        const now = performance.now();
        window.onAnswer(outcome.rttMs, flight.sentAt, host.rtt.minMs, now - flight.sentAt - outcome.rttMs);
      }
      final(task, outcome);
    }
    schedulePump();
  };

  /** Times out `candidates` that are still unanswered: only called after a poll phase has run since they were picked. */
  const expire = (candidates: readonly Flight[]) => {
    for (const flight of candidates) {
      if (flight.task.ping === true) onOutcome(flight, { type: 'timeout' });
      if (flight.settled) continue;
      flights.settle(flight);
      timedOutTry(flight);
    }
  };

  const arm = (at: number) => {
    if (at >= wakeAt) return;
    if (wake !== undefined) clearTimeout(wake);
    wakeAt = at;
    wake = setTimeout(
      () => {
        wake = undefined;
        wakeAt = Infinity;
        const lag = performance.now() - at;
        if (lag > 50) window.onLoopLag();
        setImmediate(tick);
      },
      Math.max(0, at - performance.now()),
    );
  };

  const send = (task: Task, now: number) => {
    const { host } = task;
    if (host.startedAt === 0) host.startedAt = now;
    if (host.scanDelayMs > 0) host.nextSendAt = now + host.scanDelayMs;
    const timeout = host.rtt.timeoutMs();
    const flight: Flight = {
      task,
      sentAt: now,
      tries: task.tries,
      deadline: now + timeout,
      cancel: () => undefined,
      settled: false,
      lingering: false,
    };
    countSent(stats, task);
    flights.add(flight);
    const probe = config.probes[task.protocol];
    // A probe that keeps its own time-out reports `timeout`; the others are timed out here.
    if (probe.timesOut !== true) heap.push(flight);
    flight.cancel = probe(
      host.target.address,
      host.target.family,
      task.port,
      (outcome) => {
        onOutcome(flight, outcome);
      },
      timeout,
    );
  };

  // timedOut() also runs per send and per answer: on loopback a whole batch can answer between two looks.
  const checkHostTimeouts = (now: number) => {
    if (timing.hostTimeoutMs <= 0) return;
    for (const flight of flights.inFlight()) {
      if (timedOut(flight.task.host, now)) {
        flights.settle(flight);
        flight.cancel();
      }
    }
    flights.dropAll((task) => task.host.skipped);
  };

  const pump = () => {
    pumpQueued = false;
    if (signal?.aborted === true) {
      stats.aborted = true;
      bench.clear();
      for (const flight of flights.inFlight()) {
        flights.settle(flight);
        flight.cancel();
      }
      flights.dropAll();
    }
    const now = performance.now();
    checkHostTimeouts(now);
    const benchAt = bench.review(now, queue.empty, unbench);
    if (!stats.aborted && now >= pausedUntil) {
      let budget = MAX_BATCH;
      const elapsedS = (now - startedAt) / 1000;
      while (budget-- > 0) {
        const behindMinRate = config.minRate !== undefined && stats.sent < elapsedS * config.minRate;
        if (flights.size >= window.size && !(behindMinRate && flights.size < window.limit)) break;
        // Lingering tries hold sockets too: the limit counts them (see Flights.roomFor).
        const room = flights.roomFor(window.limit, now);
        if (room !== true) {
          if (room < Infinity) arm(room);
          break;
        }
        if (config.maxRate !== undefined && stats.sent >= Math.max(1, elapsedS * config.maxRate)) {
          arm(startedAt + ((stats.sent + 1) / config.maxRate) * 1000);
          break;
        }
        const task = queue.take(now, window.size * 4);
        if (task === undefined) break;
        if (timedOut(task.host, now)) continue;
        send(task, now);
      }
      if (budget < 0) schedulePump();
    } else if (!stats.aborted) {
      arm(pausedUntil);
    }
    stats.inFlight = flights.size;
    if ((flights.size === 0 && queue.empty && bench.size === 0) || (stats.aborted && flights.size === 0)) {
      flights.dropAll();
      if (wake !== undefined) clearTimeout(wake);
      finish(stats);
      return;
    }
    const top = heap.peek();
    if (top !== undefined) arm(top.deadline);
    const nextHost = queue.nextWakeAt();
    if (nextHost < Infinity) arm(nextHost);
    if (benchAt < Infinity) arm(benchAt);
    if (config.minRate !== undefined) arm(now + 10);
  };

  /**
   * Picks the overdue probes now, and decides them in the next loop iteration's check phase: the poll
   * phase in between reads every reply that had already arrived, even for probes sent in this
   * same check phase just before (a batch of sends can outlast a short time-out).
   */
  function tick() {
    const candidates = heap.popDue(performance.now()).filter((flight) => !flight.settled);
    if (candidates.length === 0) {
      pump();
      return;
    }
    setImmediate(() => {
      expire(candidates);
      pump();
    });
  }

  function schedulePump() {
    if (pumpQueued) return;
    pumpQueued = true;
    setImmediate(pump);
  }

  return new Promise<EngineStats>((resolve) => {
    finish = (s) => {
      signal?.removeEventListener('abort', schedulePump);
      resolve(s);
    };
    signal?.addEventListener('abort', schedulePump);
    schedulePump();
  });
}
