import { existsSync, readdirSync, readlinkSync, statSync } from 'node:fs';

/** The processes of one network namespace, and where to read its socket tables. */
export interface NamespaceGroup {
  readonly netns: number;
  readonly isHost: boolean;
  readonly pids: number[];
  readonly name?: string;
  /** A path that pins the namespace itself (`/run/netns/NAME`), to enter it when no member is left. */
  readonly nsPath?: string;
  /** Directory holding tcp, udp, unix... for this namespace: /proc/self/net or /proc/PID/net. */
  readonly tableDir: string;
}

/** Numeric entries of /proc, ascending. */
export function listPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(name));
  }
  return pids.sort((a, b) => a - b);
}

/** Inode of a `net:[N]` link, or undefined when unreadable (process gone, or not ours without root). */
export function netnsOf(pid: number | 'self'): number | undefined {
  try {
    const link = readlinkSync(`/proc/${String(pid)}/ns/net`);
    return Number(link.slice(5, -1));
  } catch {
    return undefined;
  }
}

/** Names of namespaces pinned under /run/netns (as `ip netns add` makes them): inode -> name. */
export function readNetnsNames(dir = '/run/netns'): Map<number, string> {
  const names = new Map<number, string>();
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return names;
  }
  for (const entry of entries) {
    try {
      names.set(statSync(`${dir}/${entry}`).ino, entry);
    } catch {
      // a stale bind mount: skip it
    }
  }
  return names;
}

/**
 * Groups processes by the inode of /proc/PID/ns/net. Processes whose namespace link is unreadable
 * (other users' processes without root) are put with the host namespace for the owner walk, and
 * counted in `unreadable`: their namespace's sockets can only be listed when another readable
 * process shares it.
 */
export function groupByNetns(
  pids: readonly number[],
  hostNetns: number,
  names: ReadonlyMap<number, string>,
): { groups: NamespaceGroup[]; unreadable: number } {
  const byInode = new Map<number, number[]>([[hostNetns, []]]);
  let unreadable = 0;
  for (const pid of pids) {
    const inode = netnsOf(pid);
    // A process that exited since /proc was listed is neither a member nor unreadable.
    if (inode === undefined && !existsSync(`/proc/${String(pid)}`)) continue;
    if (inode === undefined) unreadable++;
    const key = inode ?? hostNetns;
    const list = byInode.get(key);
    if (list === undefined) byInode.set(key, [pid]);
    else list.push(pid);
  }
  const groups: NamespaceGroup[] = [];
  for (const [netns, members] of byInode) {
    const isHost = netns === hostNetns;
    const name = names.get(netns);
    const tableDir = isHost ? '/proc/self/net' : `/proc/${String(members[0])}/net`;
    groups.push(
      name === undefined
        ? { netns, isHost, pids: members, tableDir }
        : { netns, isHost, pids: members, name, tableDir },
    );
  }
  return { groups, unreadable };
}
