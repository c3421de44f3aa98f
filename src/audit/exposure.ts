import { listSockets } from '../inventory/list-sockets.js';
import type { Backend } from '../inventory/options.js';
import type { Socket } from '../model/index.js';
import { readContext, type NetnsContext } from './context.js';
import { evaluateInbound } from './firewall/index.js';
import { addressOn } from './interfaces.js';
import { endpointText } from './listener-key.js';
import { ownNetns, processNetnsPaths, type NetnsRef } from './netns-path.js';
import { withProxies } from './proxy.js';
import { publishedBy } from './published.js';
import { combine, judge } from './reachability.js';
import { bindScope } from './scope.js';
import type { InterfaceVerdict, ListenerExposure, PublishedPort } from './types.js';

/** Options of {@link exposeListeners}. */
export interface ExposeOptions {
  /**
   * Namespaces to audit: `all` (every one a process lives in), `host`, a /run/netns name or an
   * inode, or a list of those (a listener is only found published by a namespace in the list).
   * @default 'all'
   */
  readonly netns?: NetnsRef | readonly NetnsRef[];
  /** How to read the kernel's sockets (as `listSockets`' `backend`). @default 'auto' */
  readonly backend?: Backend;
}

/** What {@link exposeListeners} returns. */
export interface Exposure {
  readonly listeners: ListenerExposure[];
  /** Firewall sources read, per namespace: `nftables (host)`, `iptables-legacy (lab1)`. */
  readonly sources: string[];
  readonly warnings: { code: string; message: string }[];
}

const LISTENERS = 'state listening state unconnected';

/** A TCP listener, or a bound UDP socket (not a connected client's ephemeral one). */
const isListener = (s: Socket) =>
  (s.protocol === 'tcp' && s.state === 'LISTEN') ||
  (s.protocol === 'udp' && s.state === 'UNCONN' && s.local.port !== 0);

/** Firewall verdicts for each non-loopback interface x family through which the listener can be reached. */
function verdicts(s: Socket, scope: ListenerExposure['scope'], ctx: NetnsContext): InterfaceVerdict[] {
  const out: InterfaceVerdict[] = [];
  const protocol = s.protocol === 'udp' ? 'udp' : 'tcp';
  const bound = s.local.address.startsWith('::ffff:') ? s.local.address.slice(7) : s.local.address;
  for (const iface of ctx.interfaces) {
    // SO_BINDTODEVICE: only that interface delivers to it.
    if (iface.loopback || (s.ifindex !== undefined && s.ifindex > 0 && s.ifindex !== iface.index)) continue;
    for (const family of scope.families) {
      const address = scope.kind === 'address' ? bound : addressOn(iface, family);
      if (address === undefined) continue;
      const firewall = evaluateInbound(ctx.ruleset, {
        family,
        protocol,
        port: s.local.port,
        interface: iface.name,
        address,
      });
      out.push({ interface: iface.name, family, firewall });
    }
  }
  return out;
}

/**
 * Every TCP listener and bound UDP socket of the chosen network namespaces (listSockets), with its
 * bind scope, the firewall verdict for a new connection from another host on each non-loopback
 * interface of its namespace (nftables and iptables read inside it), the host endpoints other
 * namespaces publish it on through DNAT or docker-proxy, and the one-word answer `reachable`
 * (would a new connection from a host on a directly attached network reach it) with a one-line
 * `reason`. A published listener is judged at its published endpoints. Needs root to read other
 * namespaces and firewall rules; what it could not read is in `warnings`. Throws what
 * listSockets throws (`NOT_FOUND` for an unknown namespace, `UNSUPPORTED_PLATFORM`).
 */
export async function exposeListeners(options: ExposeOptions = {}): Promise<Exposure> {
  return (await exposeInContexts(options)).exposure;
}

/** {@link exposeListeners}, with what it read of each namespace (for the audit to reuse, not reread). */
export async function exposeInContexts(
  options: ExposeOptions = {},
): Promise<{ exposure: Exposure; contexts: NetnsContext[] }> {
  const { netns = 'all', backend = 'auto' } = options;
  const selectors: readonly NetnsRef[] = typeof netns === 'string' || typeof netns === 'number' ? [netns] : netns;
  const own = ownNetns();
  // Start reading the host's interfaces and firewall before listing: spawning `nft` and `ip` from
  // a small process is fast, from one holding a large listing slow (each spawn copies its memory map).
  const hostContext = selectors.some((n) => n === 'all' || n === 'host')
    ? readContext(own, true, undefined)
    : undefined;
  const snapshots = await Promise.all(
    selectors.map((n) =>
      // The state filter lets the kernel (sock_diag) or the table reader skip connected sockets.
      listSockets({ protocols: ['tcp', 'udp'], families: ['inet', 'inet6'], netns: n, filter: LISTENERS, backend }),
    ),
  );
  const snapshot = {
    sockets: snapshots.flatMap((s) => s.sockets),
    namespaces: [...new Map(snapshots.flatMap((s) => s.namespaces).map((n) => [n.netns, n])).values()],
    warnings: snapshots.flatMap((s) => s.warnings),
  };
  const sockets = snapshot.sockets.filter(isListener);
  // `netns` may be absent outside Linux (a model change under way): then the socket is ours.
  const netnsOf = (s: Socket): number => (s as { readonly netns?: number }).netns ?? own;
  const wanted = new Set(sockets.map(netnsOf));
  const namespaces = snapshot.namespaces.filter((n) => wanted.has(n.netns));
  if (!namespaces.some((n) => n.netns === own) && wanted.has(own))
    namespaces.push({ netns: own, isHost: true, pids: 0, sources: [] });
  // Namespaces without a name are entered through a process of theirs: one /proc pass finds them all.
  const processPaths = namespaces.some((n) => n.netns !== own && n.name === undefined)
    ? processNetnsPaths()
    : undefined;
  const contexts = await Promise.all(
    namespaces.map((n) =>
      n.netns === own && hostContext !== undefined
        ? hostContext
        : readContext(n.netns, n.netns === own, n.name, processPaths),
    ),
  );
  const byNetns = new Map(contexts.map((c) => [c.netns, c]));
  const warnings = [
    ...snapshot.warnings.map(({ code, message }) => ({ code, message })),
    ...contexts.flatMap((c) =>
      c.ruleset.warnings.map((w) => ({ code: w.code, message: `${c.name ?? String(c.netns)}: ${w.message}` })),
    ),
  ];
  const sources = contexts.flatMap((c) => c.ruleset.sources.map((s) => `${s} (${c.name ?? String(c.netns)})`));
  const listeners: ListenerExposure[] = [];
  for (const s of sockets) {
    const ctx = byNetns.get(netnsOf(s));
    if (ctx === undefined) continue;
    const scope = bindScope(s, ctx.interfaces);
    const firewall = verdicts(s, scope, ctx);
    const relevant = scope.kind === 'address' ? firewall.filter((v) => v.interface === scope.interface) : firewall;
    const local = { address: s.local.address, port: s.local.port };
    const protocol = s.protocol === 'udp' ? 'udp' : 'tcp';
    const family = s.family === 'inet6' ? 'inet6' : 'inet';
    const base = { protocol, family, local, scope } as const;
    const published = publishedBy(base, ctx, contexts);
    let { reachable, reason } = judge(scope, local.address, relevant);
    if (published.length > 0) {
      reachable = combine(published.map((p) => p.reachable));
      reason = `published on ${published.map(describe).join(', ')}`;
    }
    if (family === 'inet6' && scope.kind === 'all' && s.v6only === undefined)
      reason += ' (IPV6_V6ONLY not read: assumed off, the kernel default)';
    listeners.push({
      ...base,
      netns: ctx.netns,
      ...(ctx.name === undefined ? {} : { netnsName: ctx.name }),
      owners: s.owners,
      ownerStatus: s.ownerStatus,
      firewall,
      ...(published.length > 0 ? { published } : {}),
      reachable,
      reason,
    });
  }
  return { exposure: { listeners: withProxies(listeners, contexts), sources, warnings }, contexts };
}

function describe(p: PublishedPort): string {
  const rule = p.rule === undefined ? '' : ` (\`${p.rule.text}\`)`;
  return `${endpointText(p.host.address, p.host.port)} via ${p.via === 'dnat' ? 'DNAT' : 'a userland proxy'}${rule}: ${p.reachable}`;
}
