import { PortscopeError } from '../../errors.js';
import type { NormalizedListOptions } from '../options.js';
import { startOnePassEarly } from './bpf-early.js';
import type { EarlyOnePass } from './bpf-sockets.js';
import type { Sockstat } from './parse-sockstat.js';
import { nativeAddon, type NativeAddon } from './native.js';
import {
  groupByNetns,
  listPids,
  netnsOf,
  readNetnsNames,
  readPinnedNetns,
  withPinnedNetns,
  type NamespaceGroup,
} from './netns.js';
import { readUsers } from './passwd.js';

function selectNamespaces(
  groups: NamespaceGroup[],
  netns: NormalizedListOptions['netns'],
  names: ReadonlyMap<number, string>,
  canEnter: boolean,
): NamespaceGroup[] {
  if (netns === 'all') return groups;
  if (netns === 'host') return groups.filter((g) => g.isHost);
  const inode = typeof netns === 'number' ? netns : /^\d+$/.test(netns) ? Number(netns) : undefined;
  const chosen = groups.filter((g) => (inode === undefined ? g.name === netns : g.netns === inode));
  if (chosen.length > 0) return chosen;
  const named = inode === undefined && [...names.values()].includes(String(netns));
  if (inode === undefined && !named) {
    const known = [...new Set(names.values())].sort().join(', ');
    throw new PortscopeError(
      'NOT_FOUND',
      `Expected netns to be all, host, a namespace inode or a name under /run/netns (${known === '' ? 'there is none' : known}), got \`${netns}\``,
    );
  }
  const why = !named
    ? 'no process lives in a namespace with that inode'
    : canEnter
      ? 'it could not be entered'
      : 'no process lives in it, and entering it takes the native addon (backend procfs, or not built)';
  throw new PortscopeError('NOT_FOUND', `No sockets can be read from network namespace \`${String(netns)}\`: ${why}`);
}

function chooseAddon(backend: NormalizedListOptions['backend']): NativeAddon | null {
  if (backend === 'procfs') return null;
  const addon = nativeAddon() ?? null;
  if (addon === null && backend === 'native') {
    throw new PortscopeError(
      'UNSUPPORTED_PLATFORM',
      "Expected the native addon (build/Release/portscope_native.node) for backend 'native', but it is not built: run `npm rebuild portscope` with python3, make and a C compiler installed",
    );
  }
  return addon;
}

/** What every Linux listing starts from: the reader, the users and processes, and the namespaces to list. */
export interface ListingScope {
  /** The native addon, or null for /proc/net only (backend `procfs`, or not built). */
  readonly addon: NativeAddon | null;
  /** uid -> user name (/etc/passwd). */
  readonly users: Map<number, string>;
  /** Every pid of /proc, ascending. */
  readonly pids: number[];
  /** Namespace inode -> name under /run/netns. */
  readonly netnsNames: Map<number, string>;
  /** Processes whose namespace could not be read (another user's, without root). */
  readonly unreadable: number;
  /** The namespaces `options.netns` chose, host first, each with its member processes. */
  readonly selected: NamespaceGroup[];
  /** The one BPF pass, when it was started before the scan (startOnePassEarly): for the listing to use. */
  readonly onePass?: EarlyOnePass;
  /** /proc/net/sockstat, when the early pass read it (for its map's size): the listing reads it no more. */
  readonly sockstat?: Sockstat;
}

/**
 * The first step of a Linux listing (collectLinux, and the CLI's columnar listing, which must list the same
 * namespaces): picks the reader, reads /etc/passwd, /proc's pids and their /proc/PID/ns/net, /run/netns and
 * /proc/self/mountinfo, and selects the namespaces of `options.netns`. When /run/netns already shows that
 * several namespaces will be listed, it first starts the one BPF pass (startOnePassEarly), which then loads
 * on a thread during the scan.
 * @throws PortscopeError `UNSUPPORTED_PLATFORM` (backend `native` without the addon), `NOT_FOUND` (an
 *   unknown netns, or one that cannot be read), `INVALID_ARGUMENT` (PORTSCOPE_BPF neither 0 nor 1).
 */
export function listingScope(options: NormalizedListOptions): ListingScope {
  const addon = chooseAddon(options.backend);
  const hostNetns = netnsOf('self') ?? 0;
  const netnsNames = readNetnsNames();
  const early = startOnePassEarly(addon, options, hostNetns, netnsNames);
  const users = readUsers();
  const pids = listPids();
  const grouped = groupByNetns(pids, hostNetns, netnsNames);
  // Entering a namespace no process lives in takes the addon (setns); /proc/PID/net needs a process.
  const groups =
    addon === null ? grouped.groups : withPinnedNetns(grouped.groups, readPinnedNetns(netnsNames), netnsNames);
  const selected = selectNamespaces(groups, options.netns, netnsNames, addon !== null);
  const scope = { addon, users, pids, netnsNames, unreadable: grouped.unreadable, selected };
  return early === undefined ? scope : { ...scope, onePass: early.onePass, sockstat: early.sockstat };
}
