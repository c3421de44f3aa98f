import type { NamespaceInfo, Owner, Socket } from '../model/index.js';
import type { KernelPortSettings } from '../registry/index.js';
import type { Listener } from './types.js';

/** `inode` and `netns` read as possibly absent: the model is to make them optional (absent outside Linux). */
export const inodeOf = (s: Socket): number | undefined => s.inode;
export const netnsOfSocket = (s: Socket): number | undefined => s.netns;
const recvQOf = (s: Socket): number | undefined => s.recvQ;
const sendQOf = (s: Socket): number | undefined => s.sendQ;

/**
 * The listener rule. TCP, MPTCP and unix: the LISTEN state (a unix listener needs a name: an unnamed
 * one has no identity). UDP/UDP-Lite: unconnected (no peer), bound to a port, and that port outside
 * the ephemeral range unless `ephemeralUdp`: a resolver's or NTP client's socket is unconnected too,
 * but the kernel picked its port from that range (an explicit bind inside it cannot be told apart).
 */
export function isListener(
  socket: Socket,
  ephemeral: KernelPortSettings['ephemeral'] | undefined,
  ephemeralUdp: boolean,
): boolean {
  if (socket.protocol === 'udp' || socket.protocol === 'udplite') {
    if (socket.state !== 'UNCONN' || socket.peer.port !== 0 || socket.local.port === 0) return false;
    if (ephemeralUdp || ephemeral === undefined) return true;
    return socket.local.port < ephemeral.from || socket.local.port > ephemeral.to;
  }
  if (socket.state !== 'LISTEN') return false;
  return socket.protocol !== 'unix' || socket.local.address !== '';
}

/** A listener's identity: netns, protocol, local address and port (the path for unix). Never a pid. */
export function listenerKey(
  netns: number | undefined,
  protocol: string,
  address: string,
  port: number | undefined,
): string {
  const ns = netns === undefined ? '?' : String(netns);
  return protocol === 'unix' ? `${ns}/unix/${address}` : `${ns}/${protocol}/${address}/${String(port ?? 0)}`;
}

function mergeOwners(into: Map<number, Owner>, owners: readonly Owner[]): void {
  for (const o of owners) {
    const seen = into.get(o.pid);
    into.set(
      o.pid,
      seen === undefined
        ? o
        : { ...seen, fds: [...new Set([...(seen.fds ?? []), ...(o.fds ?? [])])].sort((a, b) => a - b) },
    );
  }
}

/** Sum of a field over sockets, or undefined when any socket lacks it (an absent value is not 0). */
function total(sockets: readonly Socket[], pick: (s: Socket) => number | undefined): number | undefined {
  let sum = 0;
  for (const s of sockets) {
    const value = pick(s);
    if (value === undefined) return undefined;
    sum += value;
  }
  return sum;
}

/**
 * Groups listening sockets by identity into listeners (SO_REUSEPORT groups become one). `names`:
 * netns inode -> name. The backlog read from /proc/net/tcp is 0 (the file does not carry it): left
 * absent, so that it never reads as a full queue.
 */
export function toListeners(sockets: readonly Socket[], namespaces: readonly NamespaceInfo[]): Listener[] {
  const names = new Map(namespaces.map((n) => [n.netns, n.name]));
  const procfsOnly = new Set(namespaces.filter((n) => !n.sources.includes('sock_diag')).map((n) => n.netns));
  const groups = new Map<string, Socket[]>();
  for (const s of sockets) {
    const key = listenerKey(netnsOfSocket(s), s.protocol, s.local.address, s.local.port);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [s]);
    else group.push(s);
  }
  const listeners: Listener[] = [];
  for (const [key, group] of groups) {
    const first = group[0];
    if (first === undefined) continue;
    const owners = new Map<number, Owner>();
    for (const s of group) mergeOwners(owners, s.owners);
    const inodes = group.flatMap((s) => {
      const inode = inodeOf(s);
      return inode === undefined || inode === 0 ? [] : [inode];
    });
    const listening = first.state === 'LISTEN';
    const netns = netnsOfSocket(first);
    const fromDiag = netns !== undefined && !procfsOnly.has(netns);
    const backlog = listening && fromDiag ? total(group, sendQOf) : undefined;
    const acceptQueue = listening ? total(group, recvQOf) : undefined;
    const name = netns === undefined ? undefined : names.get(netns);
    listeners.push({
      key,
      ...(netns === undefined ? {} : { netns }),
      ...(name === undefined ? {} : { netnsName: name }),
      protocol: first.protocol,
      family: first.family,
      local: first.local,
      inodes: [...new Set(inodes)].sort((a, b) => a - b),
      owners: [...owners.values()].sort((a, b) => a.pid - b.pid),
      ownerStatus: owners.size > 0 ? 'ok' : first.ownerStatus,
      ...(first.v6only === undefined ? {} : { v6only: first.v6only }),
      ...(first.ifindex === undefined || first.ifindex === 0 ? {} : { ifindex: first.ifindex }),
      ...(acceptQueue === undefined ? {} : { acceptQueue }),
      ...(backlog === undefined ? {} : { backlog }),
      source: 'poll',
    });
  }
  return listeners;
}
