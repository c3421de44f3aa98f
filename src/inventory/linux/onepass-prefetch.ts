import {
  onePassRecords,
  onePassUnavailable,
  walkNarrowing,
  type Narrowing,
  type OnePassRecords,
} from './bpf-sockets.js';
import type { NativeAddon } from './native.js';
import { parseSockstat, socketsInTables, type Sockstat } from './parse-sockstat.js';
import { readSmallText } from './read-proc.js';
import type { TableQuery } from './tables.js';

/** The one BPF pass over every namespace, started before the listing asked for it. */
export interface OnePassPrefetch {
  /** What the pass was narrowed to in the kernel (walkNarrowing). */
  readonly narrowing: Narrowing;
  readonly records: Promise<OnePassRecords>;
  /** /proc/net/sockstat as read to size the pass's record map. */
  readonly sockstat: Sockstat;
}

/**
 * Where the prefetch waits: a global, as the CLI's prefetch is bundled alone (scripts/bundle-cli.js) and so
 * runs its own copy of this module, beside the listing's (as diag-prefetch.ts's).
 */
const KEY = Symbol.for('portscope.onePassPrefetch');
const globals = globalThis as unknown as Record<symbol, { value: OnePassPrefetch | undefined } | undefined>;
const slot = (globals[KEY] ??= { value: undefined });

/**
 * Starts the one BPF pass over every namespace (onePassRecords, on the libuv threadpool) that a listing of
 * `query` over several namespaces would start (startOnePassEarly), for {@link takeOnePassPrefetch} to hand
 * over: the CLI calls it for a plain `ls` or `who PORT` before it loads the rest of its code, when /run/netns
 * pins a namespace other than its own, so that the program's load (libbpf, the verifier: ~25 ms of CPU) and
 * walk overlap the loading. Starts nothing, and returns false, when onePassUnavailable refuses `query` (no
 * details, no extensions: a plain listing's). A later call replaces an unclaimed pass. Never throws.
 */
export function prefetchOnePass(addon: NativeAddon, query: TableQuery): boolean {
  try {
    if (onePassUnavailable(addon, { namespaces: 2, query, details: false }) !== undefined) return false;
    const sockstat = parseSockstat(readSmallText('/proc/net/sockstat') ?? '');
    const narrowing = walkNarrowing(query);
    const records = onePassRecords(addon, socketsInTables(sockstat), undefined, narrowing);
    slot.value = { narrowing, records, sockstat };
    return true;
  } catch {
    return false; // PORTSCOPE_BPF neither 0 nor 1: the listing says so itself
  }
}

/**
 * The prefetched pass when it was narrowed as `narrowing`, else undefined; either way the prefetch is dropped,
 * so that it is used at most once.
 */
export function takeOnePassPrefetch(narrowing: Narrowing): OnePassPrefetch | undefined {
  const taken = slot.value;
  slot.value = undefined;
  if (taken === undefined) return undefined;
  const same = taken.narrowing.port === narrowing.port && taken.narrowing.protocols === narrowing.protocols;
  return same ? taken : undefined;
}

/** Drops an unclaimed pass (its records are freed with the promise): for a listing that will not read it. */
export function dropOnePassPrefetch(): void {
  slot.value = undefined;
}
