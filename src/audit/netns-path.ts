import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { PortscopeError } from '../errors.js';

/** A network namespace as the audit options name it: `host`, a name under /run/netns, or an inode. */
export type NetnsRef = string | number;

/** Inode of this process's network namespace. */
export function ownNetns(): number {
  return statSync('/proc/self/ns/net').ino;
}

/**
 * Every network namespace some process lives in, by inode, with the /proc/PID/ns/net path of its
 * first process: one pass over /proc, for callers that look up many namespaces (see {@link netnsPath}).
 */
export function processNetnsPaths(): Map<number, string> {
  const paths = new Map<number, string>();
  for (const pid of safeReaddir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const match = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`));
      if (match !== null && !paths.has(Number(match[1]))) paths.set(Number(match[1]), `/proc/${pid}/ns/net`);
    } catch {
      // gone, or not ours
    }
  }
  return paths;
}

/**
 * A path that opens the namespace `ref` for `nsenter --net=`, or undefined for this process's own
 * namespace (nothing to enter). Names are looked up under /run/netns; inodes there, then among
 * the processes' /proc/PID/ns/net (from `processPaths`, a {@link processNetnsPaths} result, when
 * given: without it each call reads /proc again). Throws `NOT_FOUND` when no such namespace is reachable.
 */
export function netnsPath(ref: NetnsRef | undefined, processPaths?: ReadonlyMap<number, string>): string | undefined {
  if (ref === undefined || ref === 'host') return undefined;
  if (typeof ref === 'string' && !/^\d+$/.test(ref)) {
    const path = ref.startsWith('/') ? ref : `/run/netns/${ref}`;
    try {
      return statSync(path).ino === ownNetns() ? undefined : path;
    } catch {
      throw new PortscopeError('NOT_FOUND', `Expected a network namespace name under /run/netns, got \`${ref}\``);
    }
  }
  const inode = Number(ref);
  if (inode === ownNetns()) return undefined;
  for (const name of safeReaddir('/run/netns')) {
    try {
      if (statSync(`/run/netns/${name}`).ino === inode) return `/run/netns/${name}`;
    } catch {
      // a stale entry
    }
  }
  const viaProcess = (processPaths ?? processNetnsPaths()).get(inode);
  if (viaProcess !== undefined) return viaProcess;
  throw new PortscopeError(
    'NOT_FOUND',
    `Expected a network namespace inode some process or /run/netns holds, got \`${String(ref)}\``,
  );
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
