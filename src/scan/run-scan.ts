import type { HostResult, PortResult } from './result.js';
import { scan, type ScanSummary } from './scan.js';
import type { ScanOptions } from './scan-options.js';
import { addressToBigInt } from './target-spec.js';

/** A whole scan's results: every host and port result, and the summary. */
export interface ScanReport {
  readonly hosts: HostResult[];
  readonly ports: PortResult[];
  readonly summary: ScanSummary;
}

/**
 * Runs {@link scan} to the end and collects its results: one HostResult per host (its last, so a
 * host that timed out is `timed-out`), port results sorted by address, protocol and port (a timed-out
 * host keeps those found before its time-out). Same options and errors as {@link scan}.
 */
export async function runScan(targets: readonly string[], options: ScanOptions = {}): Promise<ScanReport> {
  const hosts: HostResult[] = [];
  const hostIndex = new Map<string, number>();
  const ports: PortResult[] = [];
  const iterator = scan(targets, options);
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) {
      // Keyed by host, not by port result: a scan of millions of results builds no array of them here.
      const key = new Map(hosts.map((h) => [h.address, addressToBigInt(h.address)]));
      ports.sort((a, b) => {
        const x = key.get(a.address) ?? 0n;
        const y = key.get(b.address) ?? 0n;
        return (x < y ? -1 : x > y ? 1 : 0) || a.protocol.localeCompare(b.protocol) || a.port - b.port;
      });
      return { hosts, ports, summary: next.value };
    }
    if (next.value.kind === 'host') {
      // A host's later result (timed-out after up) replaces its first.
      const earlier = hostIndex.get(next.value.address);
      if (earlier === undefined) hostIndex.set(next.value.address, hosts.push(next.value) - 1);
      else hosts[earlier] = next.value;
    } else ports.push(next.value);
  }
}
