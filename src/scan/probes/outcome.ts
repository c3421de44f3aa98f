import type { PortReason, PortState } from '../result.js';

/** How one probe ended, as the engine sees it. */
export type ProbeOutcome =
  /** The target answered: a final state. */
  | {
      readonly type: 'answer';
      readonly state: PortState;
      readonly reason: PortReason;
      readonly rttMs: number;
      readonly error?: string;
    }
  /** The kernel connected the socket to itself (loopback, ephemeral port): try again, never a state. */
  | { readonly type: 'self-connect' }
  /** The local kernel pushed back (EMFILE, ENFILE, ENOBUFS, EADDRNOTAVAIL, EAGAIN): re-queue the probe. */
  | { readonly type: 'pressure'; readonly code: string }
  /**
   * No answer within `timeoutMs`: only from a probe that keeps its own time-out ({@link StartProbe}
   * `timesOut`); the engine then retries or reports it as it does for its own time-outs.
   */
  | { readonly type: 'timeout' };

/**
 * Starts one probe; `done` is called at most once, except after a `timeout` (below); the returned
 * function cancels it (the engine is done with it, abort). `timeoutMs` is the engine's time-out for it;
 * a probe with `timesOut` set counts it itself (from the moment the probe really goes out) and reports
 * `timeout`, so the engine sets no timer of its own; its socket then stays open and a late answer is
 * reported with a second call, until the engine cancels it (the engine keeps a timed-out TCP probe
 * open while its retry is out: a late answer still counts, as in nmap).
 */
export type StartProbe = ((
  address: string,
  family: 4 | 6,
  port: number,
  done: (outcome: ProbeOutcome) => void,
  timeoutMs: number,
) => () => void) & { readonly timesOut?: boolean };

const PRESSURE = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'EADDRNOTAVAIL', 'EAGAIN', 'ENOMEM']);

/**
 * The outcome of an errno on a probe socket. ECONNREFUSED is `closed` (TCP RST, or ICMP
 * port-unreachable on a connected UDP socket); unreachable and permission errors are `filtered`.
 */
export function outcomeOfErrno(code: string, rttMs: number, protocol: 'tcp' | 'udp'): ProbeOutcome {
  if (PRESSURE.has(code)) return { type: 'pressure', code };
  const answer = (state: PortState, reason: PortReason) =>
    reason === 'error' || state === 'filtered'
      ? ({ type: 'answer', state, reason, rttMs, error: code } as const)
      : ({ type: 'answer', state, reason, rttMs } as const);
  switch (code) {
    case 'ECONNREFUSED':
      return answer('closed', protocol === 'tcp' ? 'conn-refused' : 'port-unreach');
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
    case 'ENONET':
      return answer('filtered', 'host-unreach');
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return answer('filtered', 'net-unreach');
    case 'EACCES':
    case 'EPERM':
      return answer('filtered', 'admin-prohibited');
    case 'ETIMEDOUT':
      return answer('filtered', 'no-response');
    case 'ECONNRESET':
      return answer('closed', 'conn-refused');
    default:
      return answer('filtered', 'error');
  }
}
