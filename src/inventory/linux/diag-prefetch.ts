import type { NativeAddon } from './native.js';

/** A sock_diag dump of this process's own network namespace, started before the listing asked for it. */
interface Prefetch {
  /** The requests sent, as the listing would build them. */
  readonly requests: readonly Buffer[];
  /** The per-request replies (or errno names), as NativeAddon.sockDiag returns them. */
  readonly replies: Promise<(Buffer | string)[]>;
}

/**
 * Where the prefetch waits: a global, as the CLI's prefetch is bundled alone (scripts/bundle-cli.js) and so
 * runs its own copy of this module, beside the listing's.
 */
const KEY = Symbol.for('portscope.diagPrefetch');
const globals = globalThis as unknown as Record<symbol, { value: Prefetch | undefined } | undefined>;
const slot = (globals[KEY] ??= { value: undefined });

/**
 * Starts the sock_diag dumps of `requests` in this process's own network namespace on the libuv threadpool
 * (NativeAddon.sockDiagAsync), for {@link takePrefetched} to hand over later: the CLI calls it for a plain
 * `ls` or `who PORT` before it loads the rest of its code, so that the kernel's walk of its tables (most of a large
 * listing's time) overlaps the loading. Returns false, and starts nothing, when the addon lacks
 * sockDiagAsync or refuses the arguments. A later call replaces an unclaimed dump. Never throws.
 */
export function prefetchOwnNamespace(addon: NativeAddon, requests: readonly Buffer[]): boolean {
  if (addon.sockDiagAsync === undefined) return false;
  try {
    const replies = addon.sockDiagAsync(requests);
    // Unclaimed, or claimed after it failed: the listing then dumps for itself.
    replies.catch(() => undefined);
    slot.value = { requests, replies };
    return true;
  } catch {
    return false;
  }
}

/**
 * The prefetched dump of this process's own namespace when it was made with exactly `requests` (byte for
 * byte), else undefined; either way the prefetch is dropped, so that it is used at most once and its
 * replies (12 MB at 100k TCP sockets) are not kept. A dump that failed resolves to undefined too.
 */
export async function takePrefetched(requests: readonly Buffer[]): Promise<(Buffer | string)[] | undefined> {
  const taken = slot.value;
  slot.value = undefined;
  if (taken === undefined || taken.requests.length !== requests.length) return undefined;
  if (!taken.requests.every((r, i) => requests[i]?.equals(r) === true)) return undefined;
  return taken.replies.catch(() => undefined);
}

/** Drops an unclaimed prefetch (its replies are then freed with the promise): for a listing that will not dump. */
export function dropPrefetch(): void {
  slot.value = undefined;
}
