import type { ScanEvent } from './result.js';
import { scanBatches, type ScanSummary } from './scan-batches.js';
import type { ScanOptions } from './scan-options.js';

export type { ScanSummary } from './scan-batches.js';

/**
 * Scans `targets` (nmap target syntax: addresses, CIDR, octet ranges, names) for open, closed and
 * filtered ports, as `nmap -sT` (TCP connect) and `-sU` (UDP) do without root. Yields host results
 * after discovery, then port results as they are found, in the randomised probe order; returns a
 * {@link ScanSummary}. Defaults: TCP, our top 1000 ports, timing template 3, discovery on. A large
 * TCP port scan runs in worker threads (see `workers`). Sends traffic only to the targets given,
 * at most `maxRate` probes per second when set (in all threads together).
 * @throws PortscopeError `INVALID_ARGUMENT` (bad targets, ports or options), `NOT_FOUND` (a name
 *   that does not resolve), `ABORTED` (the signal fired; results so far were already yielded),
 *   `IO_ERROR` (a worker thread failed); whatever `onPlan` throws, before any probe is sent.
 */
export async function* scan(
  targets: readonly string[],
  options: ScanOptions = {},
): AsyncGenerator<ScanEvent, ScanSummary> {
  const batches = scanBatches(targets, options);
  try {
    for (;;) {
      const next = await batches.next();
      if (next.done === true) return next.value;
      yield* next.value;
    }
  } finally {
    // A caller that stops iterating early stops the scan too (its own finally closes every probe).
    await (batches as AsyncGenerator<ScanEvent[], unknown>).return(undefined);
  }
}
