import { parseSockstat, type Sockstat } from './parse-sockstat.js';
import { readSmallText } from './read-proc.js';

/**
 * Reads /proc/net/sockstat and /proc/net/sockstat6 (this process's namespace) merged into one
 * counter table: `{ sockets: { used }, TCP: { inuse, orphan, tw, alloc, mem }, TCP6: { inuse }, ... }`.
 * A missing sockstat6 (IPv6 disabled) is skipped.
 */
export function readSockstat(): Sockstat {
  const read = (path: string) => parseSockstat(readSmallText(path) ?? '');
  return { ...read('/proc/net/sockstat'), ...read('/proc/net/sockstat6') };
}
