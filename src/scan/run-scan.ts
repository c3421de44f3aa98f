import type { HostResult, PortResult } from './result.js';
import { scanBatches, type ScanSummary } from './scan-batches.js';
import type { ScanOptions } from './scan-options.js';
import { addressToBigInt } from './target-spec.js';

/** A whole scan's results: every host and port result, and the summary. */
export interface ScanReport {
  readonly hosts: HostResult[];
  readonly ports: PortResult[];
  readonly summary: ScanSummary;
}

/**
 * Runs {@link scan} to the end (its batches: no await per result) and collects its results: one HostResult per host (its last, so a
 * host that timed out is `timed-out`), port results sorted by address, protocol and port (a timed-out
 * host keeps those found before its time-out). Same options and errors as {@link scan}.
 */
export async function runScan(targets: readonly string[], options: ScanOptions = {}): Promise<ScanReport> {
  const hosts: HostResult[] = [];
  const hostIndex = new Map<string, number>();
  const ports: PortResult[] = [];
  const iterator = scanBatches(targets, options);
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) {
      // Keyed by host, not by port result: a scan of millions of results builds no array of them here.
      const key = new Map(hosts.map((h) => [h.address, addressToBigInt(h.address)]));
      ports.sort((a, b) => {
        // Most pairs share their host: keys are looked up (and BigInts compared) only for pairs that do not.
        if (a.address !== b.address) {
          const x = key.get(a.address) ?? 0n;
          const y = key.get(b.address) ?? 0n;
          if (x !== y) return x < y ? -1 : 1;
        }
        return (a.protocol === b.protocol ? 0 : a.protocol < b.protocol ? -1 : 1) || a.port - b.port;
      });
      return { hosts, ports, summary: next.value };
    }
    for (const event of next.value) {
      if (event.kind === 'host') {
        // A host's later result (timed-out after up) replaces its first.
        const earlier = hostIndex.get(event.address);
        if (earlier === undefined) hostIndex.set(event.address, hosts.push(event) - 1);
        else hosts[earlier] = event;
      } else ports.push(event);
    }
  }
}
