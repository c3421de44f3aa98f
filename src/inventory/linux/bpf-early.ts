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
import { parseSockstat, type Sockstat } from './parse-sockstat.js';
import { readSmallText } from './read-proc.js';

/**
 * Starts the one BPF pass over every namespace (onePassRecords) before the scan of /proc's processes, when the
 * listing will read it: every namespace is asked for (`netns: 'all'`), onePassUnavailable allows it for the
 * options' query, and a namespace other than this process's (`hostNetns`) is pinned under /run/netns
 * (`netnsNames`, readNetnsNames: inode -> name), so that at least two are listed. Loading the program (libbpf's BTF parse and CO-RE relocations, the verifier: ~20 ms
 * of CPU) then runs on a thread while this one scans. Undefined otherwise (a host alone, or namespaces that only
 * the scan finds): the listing starts it when it knows. Also gives /proc/net/sockstat, read here to size the
 * program's map, for the listing to read no more.
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
  if (onePassUnavailable(addon, { namespaces: 2, query, details }) !== undefined) return undefined;
  const sockstat = parseSockstat(readSmallText('/proc/net/sockstat') ?? '');
  // As the listing's estimate: TIME_WAIT sockets are in the tables the walk reads, not in `sockets: used`.
  const socketCount = (sockstat.sockets?.used ?? 0) + (sockstat['TCP']?.['tw'] ?? 0);
  const narrowing = walkNarrowing(query);
  const records = onePassRecords(addon, socketCount, undefined, narrowing);
  return { onePass: { narrowing, records }, sockstat };
}
