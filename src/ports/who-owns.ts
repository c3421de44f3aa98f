import type { Backend, ListSocketsOptions, NetnsSelector } from '../inventory/index.js';
import { listSockets } from '../inventory/list-sockets.js';
import type { Snapshot, Socket } from '../model/index.js';
import { parsePortTarget, type PortTarget } from './target.js';

/** Options of {@link whoOwns}. */
export interface WhoOwnsOptions {
  /** Which network namespaces (see listSockets). @default 'all' */
  readonly netns?: NetnsSelector;
  /** Kernel reader (see listSockets). @default 'auto' */
  readonly backend?: Backend;
  /**
   * Walk every process's fds to find every holder (as `ss -p`), instead of stopping once each
   * socket has an owner and checking the owners' fork family (see listSockets `stopWhenFound`).
   * `killPort` sets it. @default false
   */
  readonly allOwners?: boolean;
  /** Read the fields only sock_diag gives (timer, cookie, mark, cgroupId: see listSockets). @default true */
  readonly details?: boolean;
}

/** The sockets on one port and their owners: a Snapshot narrowed to the target, plus the target. */
export interface WhoOwnsResult extends Snapshot {
  readonly target: PortTarget;
}

/** Listening sockets: TCP `LISTEN`, and bound UDP (`UNCONN`). */
export function isListening(socket: Socket): boolean {
  return socket.state === 'LISTEN' || socket.state === 'UNCONN';
}

/**
 * True when a socket bound to `socket.local` takes traffic for `host`: the same address, the
 * wildcard of its family, or a dual-stack `::` (not IPV6_V6ONLY) for an IPv4 host.
 */
export function coversHost(socket: Socket, host: string): boolean {
  const local = socket.local.address;
  if (local === host || local === `::ffff:${host}`) return true;
  const v4 = !host.includes(':');
  if (v4 && local === '0.0.0.0') return true;
  return local === '::' && (!v4 || socket.v6only !== true);
}

/** The listing of {@link whoOwns}: `target`'s port (the kernel filters by it), its protocols, with owners. */
export function whoListOptions(target: PortTarget, options: WhoOwnsOptions = {}): ListSocketsOptions {
  return {
    protocols: target.protocols.flatMap((p) => (p === 'udp' ? (['udp', 'udplite'] as const) : ([p] as const))),
    filter: { type: 'port', side: 'local', op: '=', port: target.port },
    ...(options.netns === undefined ? {} : { netns: options.netns }),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    stopWhenFound: options.allOwners !== true,
    ...(options.details === undefined ? {} : { details: options.details }),
  };
}

/**
 * The rows {@link whoOwns} keeps of its listing's `count` sockets, in its order: those that take traffic for
 * `host` (all without one: see {@link coversHost}), listeners first, each group as listed. `socketAt(i)` is the
 * listing's socket i (it may reuse one object: each is read before the next is asked for).
 */
export function whoOrder(count: number, socketAt: (i: number) => Socket, host?: string): number[] {
  const listeners: number[] = [];
  const others: number[] = [];
  for (let i = 0; i < count; i++) {
    const socket = socketAt(i);
    if (host !== undefined && !coversHost(socket, host)) continue;
    (isListening(socket) ? listeners : others).push(i);
  }
  for (const i of others) listeners.push(i);
  return listeners;
}

/**
 * Every socket bound to exactly `target`'s port (TCP and UDP unless narrowed, IPv4 and IPv6, every
 * namespace) with its owners, listeners first. With a host, only sockets that take traffic for it
 * (see {@link coversHost}). The kernel is asked for that port only (sock_diag bytecode), and the
 * fd walk runs only when some socket matched. From listSockets: /proc/PID/fd, /proc/net or sock_diag.
 *
 * @param target `3000`, `3000/udp`, `127.0.0.1:3000`, `[::1]:3000`, or a parsed {@link PortTarget}.
 * @throws PortscopeError `INVALID_ARGUMENT` (bad target), `NOT_FOUND` (unknown netns), `UNSUPPORTED_PLATFORM`.
 */
export async function whoOwns(target: string | PortTarget, options: WhoOwnsOptions = {}): Promise<WhoOwnsResult> {
  const parsed = typeof target === 'string' ? parsePortTarget(target) : target;
  return whoResult(await listSockets(whoListOptions(parsed, options)), parsed);
}

/** {@link whoOwns}'s result from the Snapshot of its listing (whoListOptions): its rows in whoOrder, and the target. */
export function whoResult(snapshot: Snapshot, target: PortTarget): WhoOwnsResult {
  const { sockets: all } = snapshot;
  const sockets = whoOrder(all.length, (i) => all[i] as Socket, target.host).map((i) => all[i] as Socket);
  return { ...snapshot, sockets, target };
}
