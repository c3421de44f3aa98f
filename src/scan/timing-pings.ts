import type { Flight, Flights } from './flights.js';
import { noteAnswer, type HostState, type Task } from './host-state.js';
import type { ProbeOutcome } from './probes/outcome.js';
import type { CongestionWindow } from './window.js';

/** Per host: a ping is queued or out, and the earliest time the next may be asked for (performance.now() ms). */
interface PingState {
  out: boolean;
  nextAt: number;
}

/**
 * nmap's timing pings (scan_engine.cc, `doAnyPings`), for TCP: a probe of a port of the host that has
 * already answered (`HostState.pingPort`), never reported as a result. A time-out alone cannot tell a
 * filtered port from a stalled path; a ping can, since its port answers while the path works:
 * - the engine asks for one when a TCP try times out and nothing came from its host since that try went
 *   out (the host went silent), and the probe bench asks for one when it waits to call its ports
 *   filtered (see ProbeBench);
 * - an answer shows the path works (the bench may then decide); no answer in its time-out is a drop:
 *   the window falls to its minimum (CongestionWindow.onDrop), so the ports left are not spent into
 *   a stall, as nmap's window falls when a timing ping is lost.
 * A ping goes first in the queue, under the window like any probe. At most one per host is queued or out,
 * and the next is asked for one time-out after the last at the earliest (nmap: 1.25 s); requests
 * meanwhile are dropped. A host that never answered has no ping port and gets none (nothing tells its
 * silence from filtering).
 */
export class TimingPings {
  private readonly state = new Map<HostState, PingState>();

  /** `window` takes the drops; pings go to the front of `queue`. */
  constructor(
    private readonly window: CongestionWindow,
    private readonly queue: { retryFirst(task: Task): void },
  ) {}

  /** Asks for a ping of `host`: queued unless it has no ping port, is skipped, or had one too recently. */
  request(host: HostState): void {
    if (host.pingPort === 0 || host.skipped) return;
    const now = performance.now();
    const state = this.state.get(host);
    if (state !== undefined && (state.out || now < state.nextAt)) return;
    this.state.set(host, { out: true, nextAt: now + host.rtt.timeoutMs() });
    this.queue.retryFirst({ host, port: host.pingPort, protocol: 'tcp', tries: 0, selfConnects: 0, ping: true });
  }

  /**
   * The ping `flight` has its `outcome`: settled in `flights`; an answer is noted as any (RTT, last
   * answer) and grows the window; a time-out closes it and is a drop. Returns true for an answer.
   */
  outcome(flight: Flight, outcome: ProbeOutcome, flights: Flights): boolean {
    if (flight.settled) return false;
    flights.settle(flight);
    const state = this.state.get(flight.task.host);
    if (state !== undefined) state.out = false;
    if (outcome.type === 'answer') {
      noteAnswer(flight.task, outcome.rttMs, 0, flight.sentAt);
      this.window.onAnswer();
      return true;
    }
    if (outcome.type === 'timeout') {
      flight.cancel();
      this.window.onDrop(flight.sentAt, performance.now(), flights.size);
    }
    return false;
  }
}
