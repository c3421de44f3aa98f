import type { Flight } from './flights.js';
import type { HostState, Task } from './host-state.js';
import { MAX_PACED_TRIES } from './task-queue.js';

/**
 * What comes after the try `flight` of a task got no answer in its time-out: 'retry' (a plain retry), 'paced'
 * (a UDP retry at the host's ICMP pace), 'bench' (TCP with no try left for now: see ProbeBench),
 * 'final' (UDP with no try left: open|filtered), or 'drop' (the host is skipped: no result). Retries follow nmap: while the
 * try number is below `allowedTries(host)`. For a retry, the task's `tries` (and `pacedTries`) are
 * counted here and `retryQueued` is set; the caller queues it.
 */
export function afterTimeout(
  flight: Flight,
  maxRetries: number,
  allowedTries: (host: HostState) => number,
): 'retry' | 'paced' | 'bench' | 'final' | 'drop' {
  const { task } = flight;
  const { host } = task;
  if (host.skipped) return 'drop';
  const paced =
    task.protocol === 'udp' &&
    host.portUnreachSeen &&
    (task.pacedTries ?? 0) < MAX_PACED_TRIES &&
    task.tries < maxRetries;
  if (paced || (task.pacedTries === undefined && task.tries + 1 < allowedTries(host))) {
    markRetry(flight);
    if (!paced) return 'retry';
    task.pacedTries = (task.pacedTries ?? 0) + 1;
    return 'paced';
  }
  return task.protocol === 'tcp' ? 'bench' : 'final';
}

/**
 * The try `flight` timed out and its task goes again: counts the next try, marks it a queued retry
 * (counted in `retries` when sent) and notes when the lost try was sent. Returns the task.
 */
export function markRetry(flight: Flight): Task {
  const { task } = flight;
  task.tries++;
  task.retryQueued = true;
  task.lostSentAt = flight.sentAt;
  return task;
}
