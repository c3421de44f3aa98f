import { createSocket } from 'node:dgram';
import { isIP, createServer } from 'node:net';
import { PortscopeError, errnoCode } from '../errors.js';
import { listSockets } from '../inventory/list-sockets.js';
import type { Backend } from '../inventory/index.js';
import type { Socket } from '../model/index.js';
import { readKernelPortSettings } from '../registry/kernel-ports.js';
import { rangeHolding, unbindableRanges } from './excluded-ranges.js';
import { canonicalIp, checkPort } from './target.js';

/** Options of {@link findFreePort}. */
export interface FindFreePortOptions {
  /** Preferred ports, tried first and in this order (even inside the ephemeral range). */
  readonly ports?: readonly number[];
  /** Ports to pick from, inclusive. @default from 1024 (or ip_unprivileged_port_start without root) to 65535 */
  readonly range?: { readonly from: number; readonly to: number };
  /** How many distinct ports. @default 1 */
  readonly count?: number;
  /** The address the new listener will bind: an IP literal. @default every address (IPv4 and IPv6) */
  readonly host?: string;
  /** Ports never to return. */
  readonly exclude?: readonly number[];
  /** @default 'tcp' */
  readonly protocol?: 'tcp' | 'udp';
  /**
   * Search the range from its start upwards (`ascending`, reproducible) instead of from a random point
   * (`random`, so that two callers rarely collide). @default 'random', or 'ascending' with `after`
   */
  readonly order?: 'random' | 'ascending';
  /** Only ports above this one, lowest first: detect-port's "the next free port after N". */
  readonly after?: number;
  /** Also pick from the kernel's ephemeral range (ip_local_port_range). @default false */
  readonly includeEphemeral?: boolean;
  /** Kernel reader (see listSockets). @default 'auto' */
  readonly backend?: Backend;
}

/**
 * True when binding `host` (undefined: every address) would conflict with `socket`'s local
 * address on the same port: the same address, either side a wildcard of a family they share, or
 * a dual-stack `::` (not IPV6_V6ONLY) against any IPv4 address.
 */
export function bindConflicts(host: string | undefined, socket: Socket): boolean {
  if (host === undefined) return true;
  const local = socket.local.address;
  const hostV4 = isIP(host) === 4;
  const localV4 = socket.family === 'inet' || local.startsWith('::ffff:');
  const localAny = local === '0.0.0.0' || local === '::';
  const dualStack = local === '::' && socket.v6only !== true;
  if (hostV4) {
    if (localV4) return localAny || local === host || local === `::ffff:${host}` || host === '0.0.0.0';
    return dualStack;
  }
  if (host === '::') return true; // a dual-stack :: bind (Node's default) takes every address of both families
  return !localV4 && (localAny || local === host);
}

/**
 * Binds `port` on `host` (undefined: `::`, dual-stack, or 0.0.0.0 without IPv6) for an instant and
 * closes it: the kernel's own answer. Resolves with undefined when the bind succeeded, else the
 * errno (`EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`...). Like Node and most servers, it sets SO_REUSEADDR,
 * so TIME_WAIT sockets do not block it.
 */
export function bindProbe(
  port: number,
  host: string | undefined,
  protocol: 'tcp' | 'udp',
): Promise<string | undefined> {
  const address = host ?? '::';
  return new Promise((resolve) => {
    const failed = (error: unknown) => errnoCode(error) ?? 'EINVAL';
    if (protocol === 'udp') {
      const socket = createSocket({ type: isIP(address) === 4 ? 'udp4' : 'udp6', ipv6Only: false });
      socket.once('error', (error) => {
        socket.close();
        resolve(failed(error));
      });
      socket.bind({ port, address, exclusive: true }, () => {
        socket.close(() => {
          resolve(undefined);
        });
      });
      return;
    }
    const server = createServer();
    server.once('error', (error) => {
      // No IPv6 on this machine: probe the IPv4 wildcard instead.
      if (host === undefined && errnoCode(error) === 'EAFNOSUPPORT')
        void bindProbe(port, '0.0.0.0', protocol).then(resolve);
      else resolve(failed(error));
    });
    server.listen({ port, host: address, exclusive: true, ipv6Only: false }, () => {
      server.close(() => {
        resolve(undefined);
      });
    });
  });
}

async function probe(port: number, host: string | undefined, protocol: 'tcp' | 'udp'): Promise<boolean> {
  return (await bindProbe(port, host, protocol)) === undefined;
}

/** An IP literal in canonical form, or undefined. @throws PortscopeError `INVALID_ARGUMENT` for anything else. */
function checkHost(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  if (isIP(host) === 0) {
    throw new PortscopeError('INVALID_ARGUMENT', `Expected host to be an IP address, got \`${host}\``);
  }
  return canonicalIp(host);
}

function checkOptions(options: FindFreePortOptions) {
  const count = options.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 65535) {
    throw new PortscopeError('INVALID_ARGUMENT', `Expected count to be an integer 1-65535, got \`${String(count)}\``);
  }
  const host = checkHost(options.host);
  const kernel = readKernelPortSettings();
  const root = process.getuid?.() === 0;
  const given = options.range ?? { from: root ? 1024 : Math.max(1024, kernel.unprivilegedStart), to: 65535 };
  checkPort(given.from, 'range start');
  checkPort(given.to, 'range end');
  if (given.to < given.from) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected a range A-B with A <= B, got \`${String(given.from)}-${String(given.to)}\``,
    );
  }
  // A JavaScript caller can pass anything.
  const order: string = options.order ?? (options.after === undefined ? 'random' : 'ascending');
  if (order !== 'random' && order !== 'ascending') {
    throw new PortscopeError('INVALID_ARGUMENT', `Expected order to be random or ascending, got \`${order}\``);
  }
  if (options.after !== undefined) checkPort(options.after, 'after');
  // `after` given alone searches up to 65535 from just above it, even below the default range's start.
  const from = options.after === undefined ? given.from : Math.max(options.after + 1, options.range?.from ?? 1);
  const range = { from, to: given.to };
  if (options.after !== undefined && range.from > range.to) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected after to be below the range end ${String(range.to)}, got \`${String(options.after)}\``,
    );
  }
  for (const p of options.ports ?? []) checkPort(p, 'a preferred port');
  for (const p of options.exclude ?? []) checkPort(p, 'an excluded port');
  return { count, host, range, kernel, order };
}

/**
 * Ports that a new listener can bind now: no socket in this network namespace that a bind on
 * `host` would conflict with (IPv4, IPv6 and dual-stack alike, from listSockets: /proc/net or
 * sock_diag; TIME_WAIT excepted, as Node and most servers set SO_REUSEADDR), confirmed by binding
 * each for an instant. Preferred `ports` first, then the range from a random start (so that two
 * callers rarely collide) or upwards (`order: 'ascending'`, or `after: N` for the ports above N),
 * skipping the ephemeral range unless asked, and on Windows the excluded port ranges (netsh
 * excludedportrange: Hyper-V, WSL, Docker). The port can still be taken
 * between this answer and your bind (see the README's "Beware").
 *
 * @returns `count` distinct ports, in the order found.
 * @throws PortscopeError `INVALID_ARGUMENT` (bad option, or a `host` that is no address of this machine),
 *   `NOT_FOUND` (not enough free ports).
 */
export async function findFreePort(options: FindFreePortOptions = {}): Promise<number[]> {
  const { count, host, range, kernel, order } = checkOptions(options);
  const protocol = options.protocol ?? 'tcp';
  // Not an address of this machine: every port would fail to bind, which is no "found 0".
  if (host !== undefined && (await bindProbe(0, host, protocol)) === 'EADDRNOTAVAIL') {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected host to be an address of this machine, got \`${host}\` (a bind on it fails with EADDRNOTAVAIL)`,
    );
  }
  const { sockets } = await listSockets({
    protocols: protocol === 'udp' ? ['udp', 'udplite'] : ['tcp'],
    owners: false,
    netns: 'host',
    ...(options.backend === undefined ? {} : { backend: options.backend }),
  });
  const taken = new Map<number, Socket[]>();
  for (const s of sockets) {
    if (s.state === 'TIME_WAIT') continue;
    const list = taken.get(s.local.port) ?? [];
    list.push(s);
    taken.set(s.local.port, list);
  }
  const excluded = new Set(options.exclude ?? []);
  // Windows' excluded ranges: a bind there fails with EACCES although the probe below (on another OS) may pass.
  const unbindable = await unbindableRanges(protocol, host);
  const ephemeral = (p: number) => p >= kernel.ephemeral.from && p <= kernel.ephemeral.to;
  const found: number[] = [];
  const tried = new Set<number>();
  const consider = async (port: number, preferred: boolean) => {
    if (tried.has(port) || excluded.has(port) || rangeHolding(unbindable, port) !== undefined) return;
    tried.add(port);
    if (!preferred && options.includeEphemeral !== true && ephemeral(port)) return;
    if ((taken.get(port) ?? []).some((s) => bindConflicts(host, s))) return;
    if (await probe(port, host, protocol)) found.push(port);
  };
  for (const port of options.ports ?? []) {
    if (found.length >= count) break;
    await consider(port, true);
  }
  const size = range.to - range.from + 1;
  const start = order === 'random' ? Math.floor(Math.random() * size) : 0;
  for (let i = 0; i < size && found.length < count; i++) await consider(range.from + ((start + i) % size), false);
  if (found.length < count) {
    throw new PortscopeError(
      'NOT_FOUND',
      `Expected ${String(count)} free ${protocol} ports in ${String(range.from)}-${String(range.to)}, found ${String(found.length)}`,
    );
  }
  return found;
}

/**
 * True when a new listener could bind `port` on `host` (undefined: every address) now: no
 * conflicting socket in this network namespace (TIME_WAIT excepted), and a bind probe succeeds.
 * Asks the kernel for that port only (see listSockets).
 * @throws PortscopeError `INVALID_ARGUMENT` (bad port or host).
 */
export async function isPortFree(
  port: number,
  options: { readonly host?: string; readonly protocol?: 'tcp' | 'udp'; readonly backend?: Backend } = {},
): Promise<boolean> {
  checkPort(port);
  const host = checkHost(options.host);
  const protocol = options.protocol ?? 'tcp';
  const { sockets } = await listSockets({
    protocols: protocol === 'udp' ? ['udp', 'udplite'] : ['tcp'],
    owners: false,
    netns: 'host',
    filter: { type: 'port', side: 'local', op: '=', port },
    ...(options.backend === undefined ? {} : { backend: options.backend }),
  });
  if (sockets.some((s) => s.state !== 'TIME_WAIT' && bindConflicts(host, s))) return false;
  if (rangeHolding(await unbindableRanges(protocol, host), port) !== undefined) return false;
  return probe(port, host, protocol);
}
