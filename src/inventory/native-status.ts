import { nativeAddon } from './linux/native.js';

/**
 * True when the C addon (build/Release/portscope_native.node, built at install with node-gyp) loads:
 * sockets are then read with netlink sock_diag, as `ss` does, and the fd walk runs in C. False means
 * the `auto` backend reads /proc/net text instead (no listen backlog, no IPV6_V6ONLY), more slowly;
 * `npm rebuild portscope` with python3, make and a C compiler builds it. Always false off Linux.
 */
export function hasNativeAddon(): boolean {
  return nativeAddon() !== undefined;
}
