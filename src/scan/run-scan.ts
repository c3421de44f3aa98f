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
      if (sortOneHost(ports)) return { hosts, ports, summary: next.value };
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

/** Below this many results the comparison sort is as quick as the buckets. */
const BUCKET_MIN = 1024;

/**
 * Sorts the port results of a scan of one host by protocol then port in place, by bucket (a port
 * of each protocol at most once): the same order as the comparison sort, in one pass over the
 * results rather than ~16 comparisons each (`-p-`: 65,535 results in random order). The buckets are
 * a typed array of result indexes, walked between the lowest and highest key used (a sparse array of
 * 131,072 slots, walked whole, took 5-9 ms for 10,000 results). False, leaving `ports` as it was,
 * when they are few, of more than one host, or a port comes twice.
 */
function sortOneHost(ports: PortResult[]): boolean {
  if (ports.length < BUCKET_MIN) return false;
  const address = (ports[0] as PortResult).address;
  // Key: 'tcp' ports first, then 'udp' (as the comparison sort orders them), each by port; value: index + 1.
  const at = new Int32Array(2 * 65536);
  let low = at.length;
  let high = -1;
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i] as PortResult;
    const key = (p.protocol === 'tcp' ? 0 : 65536) + p.port;
    if (p.address !== address || at[key] !== 0) return false;
    at[key] = i + 1;
    if (key < low) low = key;
    if (key > high) high = key;
  }
  const unsorted = ports.slice();
  let n = 0;
  for (let key = low; key <= high; key++) {
    const i = at[key] ?? 0;
    if (i !== 0) ports[n++] = unsorted[i - 1] as PortResult;
  }
  return true;
}
