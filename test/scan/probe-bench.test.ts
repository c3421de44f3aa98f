import { describe, expect, it } from 'vitest';
import type { Flight } from '../../src/scan/flights.js';
import { newHostState, type HostState, type Task } from '../../src/scan/host-state.js';
import { ProbeBench, type BenchDecision } from '../../src/scan/probe-bench.js';
import { TIMING_TEMPLATES } from '../../src/scan/timing.js';

// -T4: time-outs of 100-1250 ms, 500 before any round trip is measured.
const T4 = TIMING_TEMPLATES[4];

function host(): HostState {
  if (T4 === undefined) throw new Error('no -T4 template');
  return newHostState({ address: '10.0.0.2', family: 4 }, T4);
}

/** A try of a fresh task of `h` sent at `sentAt`, timed out at `sentAt + timeoutMs`. */
function benched(h: HostState, sentAt: number, timeoutMs = 100): Flight {
  const task: Task = { host: h, port: 80, protocol: 'tcp', tries: 1, selfConnects: 0 };
  return {
    task,
    sentAt,
    tries: 1,
    deadline: sentAt + timeoutMs,
    cancel: () => undefined,
    settled: true,
    lingering: true,
  };
}

/** A bench of `h`'s ports allowed `allowedTries` tries, holding one try sent at t=1000 ms. */
function benchOf(h: HostState, allowedTries: () => number = () => 2, pings?: { request(host: HostState): void }) {
  const bench = new ProbeBench(allowedTries, pings);
  bench.add(benched(h, 1000));
  return bench;
}

function reviewAt(bench: ProbeBench, now: number, sourceDone: boolean) {
  const decisions: BenchDecision[] = [];
  const next = bench.review(now, sourceDone, (_flight, decision) => decisions.push(decision));
  return { decisions, next };
}

describe('ProbeBench (nmap: a port out of tries waits while its host is still being scanned)', () => {
  it('keeps a port while fresh ports are left, however quiet the host, until the try expires (10 time-outs)', () => {
    const h = host();
    const bench = benchOf(h);
    // Looked at again one time-out later (-T4's initial 500 ms: no round trip measured yet).
    expect(reviewAt(bench, 1100, false)).toEqual({ decisions: [], next: 1600 });
    expect(reviewAt(bench, 1999, false).decisions).toEqual([]);
    expect(reviewAt(bench, 2000, false).decisions).toEqual(['final']);
    expect(bench.size).toBe(0);
  });

  it('decides at the deadline once the scan is done, the host has nothing in flight and has been quiet', () => {
    const h = host();
    const bench = benchOf(h);
    expect(reviewAt(bench, 1100, true).decisions).toEqual(['final']);
  });

  it('waits one time-out after the host last answered, and while a try of the host is in flight', () => {
    const h = host();
    h.lastAnswerAt = 1090;
    const bench = benchOf(h);
    // No round trip measured: the time-out is -T4's initial 500 ms.
    expect(reviewAt(bench, 1100, true)).toEqual({ decisions: [], next: 1590 });
    h.inFlight = 1;
    expect(reviewAt(bench, 1590, true)).toEqual({ decisions: [], next: 2000 });
    h.inFlight = 0;
    expect(reviewAt(bench, 1600, true).decisions).toEqual([]);
    expect(reviewAt(bench, 2000, true).decisions).toEqual(['final']);
  });

  it('sends a benched port again when its host allows more tries', () => {
    const h = host();
    let allowed = 2;
    const bench = benchOf(h, () => allowed);
    expect(reviewAt(bench, 1100, false).decisions).toEqual([]);
    allowed = 3;
    bench.recheck();
    expect(reviewAt(bench, 1101, false).decisions).toEqual(['retry']);
    expect(bench.size).toBe(0);
  });

  it('with a port to ping, waits for an answer to a probe sent after the deadline, asking for pings meanwhile', () => {
    const h = host();
    h.rtt.observe(20); // time-outs of 100 ms (-T4's least)
    h.pingPort = 23;
    h.lastAnswerAt = 1050;
    h.lastAnsweredSentAt = 1030;
    const pinged: HostState[] = [];
    const bench = benchOf(h, undefined, { request: (x) => pinged.push(x) });
    expect(reviewAt(bench, 1100, false)).toEqual({ decisions: [], next: 1200 });
    expect(pinged).toEqual([]);
    // A stall: the host silent for 6 time-outs, nothing in flight, the scan done. Silence proves nothing
    // here: a ping is asked for, and the port waits (looked at again a time-out later).
    expect(reviewAt(bench, 1700, true)).toEqual({ decisions: [], next: 1800 });
    expect(pinged).toEqual([h]);
    // The ping is out: no new request.
    h.inFlight = 1;
    expect(reviewAt(bench, 1800, true).decisions).toEqual([]);
    expect(pinged).toEqual([h]);
    // It answered, sent after the try's deadline (1,100): the path works, the try's answer is not coming.
    h.inFlight = 0;
    h.lastAnsweredSentAt = 1710;
    bench.recheck();
    expect(reviewAt(bench, 1830, true).decisions).toEqual(['final']);
  });

  it('with a port to ping, still ends at the expiry when no ping ever answers', () => {
    const h = host();
    h.pingPort = 23;
    const bench = benchOf(h);
    expect(reviewAt(bench, 1999, true).decisions).toEqual([]);
    expect(reviewAt(bench, 2000, true).decisions).toEqual(['final']);
  });

  it('drops the ports of a skipped host without a decision', () => {
    const h = host();
    const bench = benchOf(h);
    h.skipped = true;
    expect(reviewAt(bench, 5000, true)).toEqual({ decisions: [], next: Infinity });
    expect(bench.size).toBe(0);
  });
});
