import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

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

/** Undoes the octal escapes (`\040` for a space) of a path in /proc/PID/mountinfo. */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * Network namespaces pinned by a bind mount (`ip netns add` under /run/netns, container runtimes
 * elsewhere), from the nsfs mounts of /proc/self/mountinfo and the entries of /run/netns:
 * inode -> a path that opens it (the /run/netns one when there are several).
 */
export function readPinnedNetns(
  names: ReadonlyMap<number, string>,
  mountinfo = '/proc/self/mountinfo',
): Map<number, string> {
  const pinned = new Map<number, string>();
  for (const [inode, name] of names) pinned.set(inode, `/run/netns/${name}`);
  let text: string;
  try {
    text = readFileSync(mountinfo, 'latin1');
  } catch {
    return pinned;
  }
  for (const line of text.split('\n')) {
    // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - FSTYPE SOURCE SUPEROPTIONS"
    const fields = line.split(' ');
    const root = /^net:\[(\d+)\]$/.exec(fields[3] ?? '');
    if (root === null || fields[fields.indexOf('-') + 1] !== 'nsfs') continue;
    const inode = Number(root[1]);
    if (!pinned.has(inode)) pinned.set(inode, unescapeMountPath(fields[4] ?? ''));
  }
  return pinned;
}

/**
 * Gives each group the path that pins its namespace (`nsPath`), and adds a group without
 * processes for each pinned namespace no process lives in, so that it is listed too.
 */
export function withPinnedNetns(
  groups: readonly NamespaceGroup[],
  pinned: ReadonlyMap<number, string>,
  names: ReadonlyMap<number, string>,
): NamespaceGroup[] {
  const result = groups.map((g) => {
    const nsPath = pinned.get(g.netns);
    return nsPath === undefined || g.isHost ? g : { ...g, nsPath };
  });
  const seen = new Set(groups.map((g) => g.netns));
  for (const [netns, nsPath] of pinned) {
    if (seen.has(netns)) continue;
    const name = names.get(netns);
    const group = { netns, isHost: false, pids: [], nsPath, tableDir: '' };
    result.push(name === undefined ? group : { ...group, name });
  }
  return result;
}
