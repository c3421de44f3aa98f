import { exactLocalPorts } from '../filter/analyze.js';
import type { NormalizedListOptions } from '../options.js';
import {
  filterNeedsDetails,
  onePassRecords,
  onePassUnavailable,
  walkNarrowing,
  type EarlyOnePass,
} from './bpf-sockets.js';
import { diagExtensions, tcpStateMask } from './diag-request.js';
import type { NativeAddon } from './native.js';
import { dropOnePassPrefetch, takeOnePassPrefetch } from './onepass-prefetch.js';
import { parseSockstat, socketsInTables, type Sockstat } from './parse-sockstat.js';
import { readSmallText } from './read-proc.js';

/**
 * Starts the one BPF pass over every namespace (onePassRecords) before the scan of /proc's processes, when the
 * listing will read it: every namespace is asked for (`netns: 'all'`), onePassUnavailable allows it for the
 * options' query, and a namespace other than this process's (`hostNetns`) is pinned under /run/netns
 * (`netnsNames`, readNetnsNames: inode -> name), so that at least two are listed. Loading the program (libbpf's BTF parse and CO-RE relocations, the verifier: ~20 ms
 * of CPU) then runs on a thread while this one scans. Undefined otherwise (a host alone, or namespaces that only
 * the scan finds): the listing starts it when it knows. The pass the CLI's prefetch started with the same
 * narrowing (takeOnePassPrefetch) is taken instead of a new one; an unused prefetch is dropped. Also gives
 * /proc/net/sockstat, read here (or by the prefetch) to size the program's map, for the listing to read no more.
 * @throws PortscopeError `INVALID_ARGUMENT` when PORTSCOPE_BPF is neither 0 nor 1 (as the listing would).
 */
export function startOnePassEarly(
  addon: NativeAddon | null,
  options: NormalizedListOptions,
  hostNetns: number,
  netnsNames: ReadonlyMap<number, string>,
): { readonly onePass: EarlyOnePass; readonly sockstat: Sockstat } | undefined {
  // The cheap test first: a host alone, as most are, reads nothing more.
  if (addon === null || options.netns !== 'all' || ![...netnsNames.keys()].some((n) => n !== hostNetns)) {
    dropOnePassPrefetch();
    return undefined;
  }
  const localPorts = exactLocalPorts(options.filter);
  const query = {
    protocols: options.protocols,
    families: options.families,
    tcpListenersOnly: false,
    tcpStateMask: tcpStateMask([]),
    ...(localPorts === undefined ? {} : { localPorts }),
    extensions: diagExtensions(options),
  };
  const details = options.details || filterNeedsDetails(options.filter);
  if (onePassUnavailable(addon, { namespaces: 2, query, details }) !== undefined) {
    dropOnePassPrefetch();
    return undefined;
  }
  const narrowing = walkNarrowing(query);
  // The CLI's prefetch may have started this very pass before its code loaded (onepass-prefetch.ts).
  const prefetched = takeOnePassPrefetch(narrowing);
  if (prefetched !== undefined)
    return { onePass: { narrowing, records: prefetched.records }, sockstat: prefetched.sockstat };
  const sockstat = parseSockstat(readSmallText('/proc/net/sockstat') ?? '');
  const records = onePassRecords(addon, socketsInTables(sockstat), undefined, narrowing);
  return { onePass: { narrowing, records }, sockstat };
}
