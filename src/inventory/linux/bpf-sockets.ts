import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TCP_STATES } from '../../model/socket.js';
import type { Protocol, Socket, SocketState, SocketSource } from '../../model/index.js';
import { packageRoot } from '../../package-root.js';
import type { FilterNode } from '../filter/index.js';
import { ipv4FromBytes, ipv6FromBytes } from './address.js';
import { bpfAllowedByEnv, capsAllowBpf } from './bpf-owners.js';
import { AF_INET, AF_INET6, HOST_LE } from './diag-request.js';
import type { NativeAddon } from './native.js';
import { readSmallText } from './read-proc.js';
import type { TableQuery } from './tables.js';

/** The protocols the one pass reads (both families); any other asked for is read per namespace as before. */
export const ONE_PASS_PROTOCOLS: ReadonlySet<Protocol> = new Set(['tcp', 'udp']);

/** struct record of native/bpf/sockets.bpf.c. */
const RECORD_SIZE = 64;
const FLAG_TRUNCATED = 2;
const FLAG_PERNET = 4;
const IPPROTO_TCP = 6;
/** Records room when the walk is narrowed to one port (64 KB); the addon loads again when short. */
const ONE_PORT_CAPACITY = 1024;
const TCP_CLOSE = 7;
const TCP_LISTEN = 10;

/** True when the filter tests a field only sock_diag gives (`fwmark`, `cgroup`). */
export function filterNeedsDetails(node: FilterNode): boolean {
  if (node.type === 'fwmark' || node.type === 'cgroup') return true;
  if (node.type === 'and' || node.type === 'or') return filterNeedsDetails(node.left) || filterNeedsDetails(node.right);
  return node.type === 'not' && filterNeedsDetails(node.operand);
}

/** What the listing asks for, as far as the choice of the one pass goes. */
export interface OnePassWish {
  /** Namespaces to read. */
  readonly namespaces: number;
  readonly query: TableQuery;
  /** sock_diag-only fields wanted (ListSocketsOptions `details`, or a filter that tests them). */
  readonly details: boolean;
}

/**
 * Why the TCP and UDP sockets of this listing are not read in one BPF pass, or undefined when they can be:
 * one namespace (its own dump is cheaper than loading the program), no TCP or UDP asked for, details or
 * sock_diag extensions asked for, PORTSCOPE_BPF=0, no addon, not root, or namespaces with hash tables of
 * their own (`net.ipv4.tcp_child_ehash_entries`, `udp_child_hash_entries`), whose sockets the shared tables
 * do not hold. Reads /proc/self/status and two sysctls.
 * @throws PortscopeError `INVALID_ARGUMENT` when PORTSCOPE_BPF is neither 0 nor 1.
 */
export function onePassUnavailable(addon: NativeAddon | null, wish: OnePassWish): string | undefined {
  const { query } = wish;
  if (!bpfAllowedByEnv()) return 'PORTSCOPE_BPF=0';
  if (wish.namespaces < 2) return 'one namespace: its own sock_diag dump costs less than loading the program';
  if (![...query.protocols].some((p) => ONE_PASS_PROTOCOLS.has(p))) return 'no TCP or UDP asked for';
  if (!query.families.has('inet') && !query.families.has('inet6')) return 'no inet family asked for';
  const ext = query.extensions;
  if (wish.details || (ext !== undefined && (ext.inet !== 0 || ext.sockopt))) {
    return 'fields that only sock_diag gives were asked for (timer, cookie, fwmark, cgroup, tcp_info, skmem, TOS)';
  }
  if (addon === null) return 'no native addon (backend procfs, or not built)';
  if (addon.bpfSockets === undefined) return 'the native addon was built without BPF support: rebuild it';
  if (!capsAllowBpf(readSmallText('/proc/self/status') ?? '')) return 'not root (needs CAP_BPF and CAP_PERFMON)';
  for (const sysctl of ['tcp_child_ehash_entries', 'udp_child_hash_entries']) {
    const value = readSmallText(`/proc/sys/net/ipv4/${sysctl}`)?.trim() ?? '0';
    if (value !== '0') return `net.ipv4.${sysctl} is ${value}: new namespaces get tables of their own`;
  }
  return undefined;
}

let objectBytes: Buffer | undefined;

/** The checked-in CO-RE object (native/bpf/sockets.bpf.o, built by scripts/build-bpf.js), read once. */
function socketsObject(): Buffer {
  objectBytes ??= readFileSync(join(packageRoot(), 'native/bpf/sockets.bpf.o'));
  return objectBytes;
}

function stateOf(protocol: number, code: number): SocketState | undefined {
  if (protocol !== IPPROTO_TCP && code === TCP_CLOSE) return 'UNCONN';
  return TCP_STATES[code - 1];
}

/** Whether sock_diag, asked with `query`, would have returned this socket (the kernel's own filters). */
function wanted(query: TableQuery, protocol: Protocol, family: 'inet' | 'inet6', code: number, port: number) {
  if (!query.protocols.has(protocol) || !query.families.has(family)) return false;
  if (protocol === 'tcp' && (query.tcpStateMask & (1 << code)) === 0) return false;
  return query.localPorts === undefined || query.localPorts.includes(port);
}

/** sock_diag's order: per namespace, the tables tcp, tcp6, udp, udp6. */
const tableRank = (s: Socket) => (s.protocol === 'tcp' ? 0 : 2) + (s.family === 'inet' ? 0 : 1);

/**
 * Parses the one pass's records (struct record of native/bpf/sockets.bpf.c) into sockets by namespace, of
 * the `namespaces` given only, keeping those that sock_diag asked with `query` would have returned, in its
 * order. The fields are sock_diag's (shutdown and v6only of full sockets too) without its details: no timer,
 * cookie, mark, cgroupId. Pure: no I/O.
 */
export function parseOnePass(
  records: ArrayBuffer,
  namespaces: ReadonlySet<number>,
  query: TableQuery,
): Map<number, Socket[]> {
  const view = new DataView(records);
  const bytes = new Uint8Array(records);
  const byNetns = new Map<number, Socket[]>();
  for (let p = 0; p + RECORD_SIZE <= records.byteLength; p += RECORD_SIZE) {
    const netns = view.getUint32(p, HOST_LE);
    if (!namespaces.has(netns)) continue;
    const af = bytes[p + 24] ?? 0;
    const code = bytes[p + 26] ?? 0;
    const protocol = bytes[p + 27] === IPPROTO_TCP ? 'tcp' : 'udp';
    const family = af === AF_INET ? 'inet' : 'inet6';
    const port = view.getUint16(p + 28, HOST_LE);
    const state = stateOf(bytes[p + 27] ?? 0, code);
    if (state === undefined || (af !== AF_INET && af !== AF_INET6)) continue;
    if (!wanted(query, protocol, family, code, port)) continue;
    const address = af === AF_INET ? ipv4FromBytes : ipv6FromBytes;
    const socket: Socket = {
      protocol,
      family,
      state,
      local: { address: address(bytes, p + 32), port },
      peer: { address: address(bytes, p + 48), port: view.getUint16(p + 30, false) },
      recvQ: view.getUint32(p + 12, HOST_LE),
      sendQ: view.getUint32(p + 16, HOST_LE),
      inode: view.getUint32(p + 4, HOST_LE),
      uid: view.getUint32(p + 8, HOST_LE),
      netns,
      owners: [],
      ownerStatus: 'none',
    };
    const ifindex = view.getUint32(p + 20, HOST_LE);
    const flags = bytes[p + 25] ?? 2;
    const v6only = flags & 3;
    // sock_diag says v6only for listening and closed sockets only (INET_DIAG_SKV6ONLY).
    const saysV6only = v6only !== 2 && (code === TCP_LISTEN || code === TCP_CLOSE);
    Object.assign(socket, ifindex === 0 ? {} : { ifindex }, saysV6only ? { v6only: v6only === 1 } : {});
    if ((flags & 4) !== 0) Object.assign(socket, { shutdown: (flags >> 3) & 3 });
    let list = byNetns.get(netns);
    if (list === undefined) byNetns.set(netns, (list = []));
    list.push(socket);
  }
  // A stable sort keeps the walk's order within a table: listeners first, then by hash bucket, as sock_diag.
  for (const list of byNetns.values()) list.sort((a, b) => tableRank(a) - tableRank(b));
  return byNetns;
}

/** The one pass's result: sockets by namespace, or why they were read per namespace. */
export interface OnePass {
  /** Undefined when the one pass could not run: read every namespace as before. */
  readonly sockets?: Map<number, Socket[]>;
  readonly source: SocketSource;
}

/** What the one pass is narrowed to in the kernel (walkNarrowing). */
export interface Narrowing {
  readonly port?: number;
  readonly protocols: number;
}

/** Records of onePassRecords, or why there are none. */
export type OnePassRecords = { readonly records: ArrayBuffer } | { readonly reason: string };

/** The one pass, started before the namespace scan (bpf-early.ts): what it was asked for, its records to come. */
export interface EarlyOnePass {
  readonly narrowing: Narrowing;
  readonly records: Promise<OnePassRecords>;
}

/**
 * What the walk itself can leave out for `query`: its one local port (sockets on other ports cost one
 * field read each, not a record), and TCP or UDP when the other is not asked for (bit mask: 1 TCP, 2 UDP).
 * Pure.
 */
export function walkNarrowing(query: TableQuery): Narrowing {
  const protocols = (query.protocols.has('tcp') ? 1 : 0) | (query.protocols.has('udp') ? 2 : 0);
  const port = query.localPorts?.length === 1 ? query.localPorts[0] : undefined;
  return port === undefined ? { protocols } : { port, protocols };
}

/**
 * Reads the TCP and UDP sockets of every namespace in `namespaces` in one pass of native/bpf/sockets.bpf.o,
 * when onePassUnavailable allows; else, or when the program cannot load or run, says why (the promise never
 * rejects). The walk is narrowed in the kernel to the query's one local port and protocols (walkNarrowing).
 * `socketCount`: an estimate of the host's sockets (TIME_WAIT included), to size the program's record map
 * when no port narrows it (the addon loads again with room for all when short). `object`: the program's
 * bytes (default: the checked-in object). `early`: the pass the listing started before its namespace scan,
 * used when it was narrowed as this one would be (onePassFor).
 * @throws PortscopeError `INVALID_ARGUMENT` (synchronously, before anything starts) when PORTSCOPE_BPF is
 * neither 0 nor 1.
 */
export function readOnePass(
  addon: NativeAddon | null,
  wish: OnePassWish,
  namespaces: ReadonlySet<number>,
  socketCount: number,
  object?: Buffer,
  early?: EarlyOnePass,
): Promise<OnePass> {
  const reason = onePassUnavailable(addon, wish);
  if (reason !== undefined || addon?.bpfSockets === undefined) {
    return Promise.resolve({ source: { source: 'per-namespace', reason: reason ?? 'no native addon' } });
  }
  const narrowing = walkNarrowing(wish.query);
  const read =
    object === undefined
      ? onePassFor(early, addon, socketCount, narrowing)
      : onePassRecords(addon, socketCount, object, narrowing);
  return runOnePass(read, wish.query, namespaces);
}

/**
 * The one pass's records for `narrowing`: those of the `early` pass when it was narrowed the same, else a pass
 * started now (onePassRecords with `socketCount` and the checked-in object). Never rejects.
 */
export function onePassFor(
  early: EarlyOnePass | undefined,
  addon: NativeAddon,
  socketCount: number,
  narrowing: Narrowing,
): Promise<OnePassRecords> {
  const same =
    early !== undefined && early.narrowing.port === narrowing.port && early.narrowing.protocols === narrowing.protocols;
  return same ? early.records : onePassRecords(addon, socketCount, undefined, narrowing);
}

/**
 * Runs the one pass's program (readOnePass has decided it may) and returns its records, or why they cannot be
 * used (the program failed to load or run, a namespace has tables of its own, a hash chain was cut short).
 * Never rejects. `socketCount` and `object` as readOnePass's; `narrowing` (default: every port, TCP and UDP)
 * is what the walk leaves out in the kernel (walkNarrowing).
 */
export async function onePassRecords(
  addon: NativeAddon,
  socketCount: number,
  object: Buffer = socketsObject(),
  narrowing: Narrowing = { protocols: 3 },
): Promise<OnePassRecords> {
  if (addon.bpfSockets === undefined) return { reason: 'no bpfSockets' };
  try {
    const { port, protocols } = narrowing;
    const capacity =
      port === undefined ? Math.min(2 ** 24, Math.max(4096, Math.ceil(socketCount * 1.25))) : ONE_PORT_CAPACITY;
    const { records, flags } = await addon.bpfSockets(object, capacity, port, protocols);
    if ((flags & FLAG_PERNET) !== 0) return { reason: 'this namespace has TCP tables of its own' };
    if ((flags & FLAG_TRUNCATED) !== 0) return { reason: 'a hash chain longer than the BPF walk follows' };
    return { records };
  } catch (error) {
    return { reason: error instanceof Error ? error.message : String(error) };
  }
}

async function runOnePass(
  records: Promise<OnePassRecords>,
  query: TableQuery,
  namespaces: ReadonlySet<number>,
): Promise<OnePass> {
  const read = await records;
  if ('reason' in read) return { source: { source: 'per-namespace', reason: read.reason } };
  return { sockets: parseOnePass(read.records, namespaces, query), source: { source: 'bpf' } };
}
