import { PortscopeError } from '../errors.js';
import type { Family, Protocol } from '../model/index.js';
import { parseFilter } from './filter/parser.js';
import type { FilterNode } from './filter/index.js';

/** `'all'`, `'host'`, a name under /run/netns, or a namespace inode (number or digits). */
export type NetnsSelector = string | number;

/** Options of {@link listSockets}. Every field is optional. */
export interface ListSocketsOptions {
  /**
   * Protocols to list; `mptcp` only when named (as `ss -M`), and read through sock_diag only.
   * @default ['tcp', 'udp', 'udplite', 'raw', 'unix']
   */
  readonly protocols?: readonly Protocol[];
  /** Address families to list. @default ['inet', 'inet6', 'unix'] */
  readonly families?: readonly Family[];
  /** A filter expression (DESIGN.md section 4 / docs/filter.md) as text or as a parsed AST. @default no filter */
  readonly filter?: string | FilterNode;
  /** Find the processes that hold each socket (one walk of /proc/PID/fd). @default true */
  readonly owners?: boolean;
  /**
   * Which network namespaces: `'all'` (every namespace a process lives in), `'host'` (this
   * process's), a name under /run/netns, or a namespace inode. @default 'all'
   */
  readonly netns?: NetnsSelector;
  /**
   * How to read the kernel: `'native'` (the C addon: netlink sock_diag as `ss` uses, and a C fd
   * walk), `'procfs'` (/proc/net text and a JavaScript fd walk), or `'auto'` (native when the
   * addon was built at install time, else procfs). @default 'auto'
   */
  readonly backend?: Backend;
  /**
   * Stop the owner search (the /proc/PID/fd walk) as soon as every matching socket has an owner,
   * then walk in full the owners' fork family: the owners, their parents that hold it too, and all
   * their descendants (a socket inherited over fork() has several holders). Much faster for a few
   * sockets on a busy host; can miss a second holder that got the socket over a unix socket
   * (SCM_RIGHTS), or one related to the others only through a process that closed its copy. Used by
   * `whoOwns`. @default false
   */
  readonly stopWhenFound?: boolean;
  /** Add each TCP socket's `tcpInfo` (the kernel's tcp_info, as `ss -i`). Needs the native backend. @default false */
  readonly tcpInfo?: boolean;
  /** Add each socket's `skmem` (sk_meminfo, as `ss -m`). Needs the native backend. @default false */
  readonly skmem?: boolean;
  /** Add `tos` (IPv4) and `tclass` (IPv6), as `ss --tos`. Needs the native backend. @default false */
  readonly tos?: boolean;
  /** Add `inetSockopt` (IP-level options, as `ss --inet-sockopt`). Needs the native backend. @default false */
  readonly inetSockopt?: boolean;
  /**
   * Read the fields only sock_diag gives: `timer`, `cookie`, `mark`, `cgroupId`. With false, a listing of
   * several namespaces may read all of them in one pass of a BPF program instead of one sock_diag dump each
   * (see Snapshot `socketSource`), and those fields are absent. @default true
   */
  readonly details?: boolean;
}

/** See {@link ListSocketsOptions.backend}. */
export type Backend = 'auto' | 'native' | 'procfs';

/** Options after validation, with defaults applied. */
export interface NormalizedListOptions {
  readonly protocols: ReadonlySet<Protocol>;
  readonly families: ReadonlySet<Family>;
  readonly filter: FilterNode;
  readonly owners: boolean;
  readonly netns: NetnsSelector;
  readonly backend: Backend;
  readonly stopWhenFound: boolean;
  readonly tcpInfo: boolean;
  readonly skmem: boolean;
  readonly tos: boolean;
  readonly inetSockopt: boolean;
  readonly details: boolean;
}

const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'udplite', 'raw', 'unix'];
const NAMED_ONLY: readonly Protocol[] = ['mptcp', 'netlink', 'packet'];
const FAMILIES: readonly Family[] = ['inet', 'inet6', 'unix', 'netlink', 'packet'];

function checkList<T extends string>(
  name: string,
  value: unknown,
  byDefault: readonly T[],
  alsoAllowed: readonly T[] = [],
): ReadonlySet<T> {
  if (value === undefined) return new Set(byDefault);
  const allowed = [...byDefault, ...alsoAllowed];
  if (!Array.isArray(value) || value.length === 0) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected \`${name}\` to be a non-empty array of ${allowed.join(', ')}, got \`${JSON.stringify(value)}\``,
    );
  }
  for (const item of value) {
    if (!allowed.includes(item as T)) {
      throw new PortscopeError(
        'INVALID_ARGUMENT',
        `Expected \`${name}\` items to be one of ${allowed.join(', ')}, got \`${String(item)}\``,
      );
    }
  }
  return new Set(value as T[]);
}

/**
 * Validates {@link ListSocketsOptions} once at the entry point.
 * @throws PortscopeError `INVALID_ARGUMENT` for a wrong option, `INVALID_FILTER` for a bad filter.
 */
export function normalizeListOptions(options: ListSocketsOptions = {}): NormalizedListOptions {
  const {
    protocols,
    families,
    filter,
    owners = true,
    netns = 'all',
    backend = 'auto',
    stopWhenFound = false,
    tcpInfo = false,
    skmem = false,
    tos = false,
    inetSockopt = false,
    details = true,
  } = { ...options };
  for (const [name, value] of Object.entries({ tcpInfo, skmem, tos, inetSockopt, details })) {
    if (typeof value !== 'boolean') {
      throw new PortscopeError('INVALID_ARGUMENT', `Expected \`${name}\` to be a boolean, got \`${String(value)}\``);
    }
  }
  if (!['auto', 'native', 'procfs'].includes(backend)) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected \`backend\` to be 'auto', 'native' or 'procfs', got \`${backend}\``,
    );
  }
  if (typeof stopWhenFound !== 'boolean') {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected \`stopWhenFound\` to be a boolean, got \`${String(stopWhenFound)}\``,
    );
  }
  if (typeof owners !== 'boolean') {
    throw new PortscopeError('INVALID_ARGUMENT', `Expected \`owners\` to be a boolean, got \`${String(owners)}\``);
  }
  if (
    typeof netns === 'number' ? !Number.isSafeInteger(netns) || netns <= 0 : typeof netns !== 'string' || netns === ''
  ) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected \`netns\` to be 'all', 'host', a namespace name or inode, got \`${String(netns)}\``,
    );
  }
  let node: FilterNode = { type: 'all' };
  if (typeof filter === 'string') node = parseFilter(filter);
  else if (filter !== undefined) {
    if (typeof filter !== 'object' || typeof (filter as { type?: unknown }).type !== 'string') {
      throw new PortscopeError(
        'INVALID_ARGUMENT',
        `Expected \`filter\` to be a string or a filter AST, got a ${typeof filter}`,
      );
    }
    node = filter;
  }
  return {
    protocols: checkList('protocols', protocols, PROTOCOLS, NAMED_ONLY),
    families: checkList('families', families, FAMILIES),
    filter: node,
    owners,
    netns,
    backend,
    stopWhenFound,
    tcpInfo,
    skmem,
    tos,
    inetSockopt,
    details,
  };
}
