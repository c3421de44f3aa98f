import { errnoCode } from '../../errors.js';
import type { Socket } from '../../model/index.js';
import { AF_INET, AF_INET6, IPPROTO, inetDiagRequest, unixDiagRequest, type DiagExtensions } from './diag-request.js';
import { bothFamiliesAt, bothFamiliesRequest, splitByFamily } from './diag-both-families.js';
import type { NativeAddon } from './native.js';
import type { NamespaceGroup } from './netns.js';
import { parseInetDiag, parseUnixDiag } from './parse-diag.js';
import type { InetTable } from './parse-inet.js';

/** A socket table by its /proc/net file name (`tcp6`), with what it holds. */
export interface TableSpec {
  readonly file: string;
  readonly protocol: InetTable['protocol'] | 'unix' | 'netlink' | 'packet';
  readonly family: InetTable['family'] | 'unix' | 'netlink' | 'packet';
}

/** What sock_diag gave, and the tables it could not give (to be read from /proc/net instead). */
export interface DiagResult {
  readonly sockets: Socket[];
  readonly missing: TableSpec[];
  /** The namespace vanished: every way into it is gone (its processes exited, its name was deleted). */
  readonly gone: boolean;
}

/** What the kernel should filter on. */
export interface DiagQuery {
  /** TCP states to dump, as the kernel's bit mask (bit N = state N). */
  readonly tcpStateMask: number;
  /** Only sockets bound to one of these local ports (inet tables). */
  readonly localPorts?: readonly number[];
  /** Attributes to ask for beyond the usual (tcp_info, memory, TOS). @default none */
  readonly extensions?: DiagExtensions;
}

function requestFor(table: TableSpec, query: DiagQuery): Buffer {
  if (table.protocol === 'unix') return unixDiagRequest(query.extensions?.unix);
  const family = table.family === 'inet' ? AF_INET : AF_INET6;
  const states = table.protocol === 'tcp' || table.protocol === 'mptcp' ? query.tcpStateMask : 0xffffffff;
  return inetDiagRequest(
    family,
    IPPROTO[table.protocol as keyof typeof IPPROTO],
    states,
    query.localPorts,
    query.extensions?.inet,
  );
}

/**
 * The replies of `sent` as those of one request per table: the reply at `both` split by family, or, when
 * the kernel refused that request (an error string), the two per-family requests' replies (`perFamily`).
 */
function unpackBoth(
  replies: readonly (Buffer | string)[],
  both: number,
  perFamily: () => (Buffer | string)[],
): (Buffer | string)[] {
  const reply = replies[both];
  const split = reply instanceof Buffer ? splitByFamily(reply) : perFamily();
  return replies.toSpliced(both, 1, ...split);
}

/**
 * True for the errors of a way into a namespace that no longer exists: ENOENT (the process exited,
 * the name was deleted), EINVAL (setns on a /run/netns file that `ip netns del` has just unmounted).
 */
export function isGone(error: unknown): boolean {
  const code = errnoCode(error);
  return code === 'ENOENT' || code === 'EINVAL';
}

/**
 * Ways into a namespace, in the order to try them: none needed for the host; else the
 * /proc/PID/ns/net of up to 8 members (one may exit meanwhile), then the bind mount that pins it
 * (`/run/netns/NAME`), which outlives its processes.
 */
export function netnsPaths(group: NamespaceGroup): (string | null)[] {
  if (group.isHost) return [null];
  const paths: (string | null)[] = group.pids.slice(0, 8).map((pid) => `/proc/${String(pid)}/ns/net`);
  if (group.nsPath !== undefined) paths.push(group.nsPath);
  return paths;
}

/**
 * Reads `tables` of one namespace through netlink sock_diag (the way `ss` does), with the
 * kernel filtering TCP sockets by state and inet sockets by local port (see {@link DiagQuery}).
 * Entering another namespace needs CAP_SYS_ADMIN: without it, or when the kernel lacks a diag
 * handler, those tables come back in `missing` for the /proc/net reader. When every way in is gone
 * (ENOENT), `gone` is true. Never throws.
 */
export function readByDiag(
  addon: NativeAddon,
  group: NamespaceGroup,
  tables: readonly TableSpec[],
  query: DiagQuery,
): DiagResult {
  // Netlink and packet sockets are read from /proc/net/{netlink,packet} (no netlink_diag or packet_diag here).
  const procfsOnly = (t: TableSpec) => t.protocol === 'netlink' || t.protocol === 'packet';
  const asked = tables.filter((t) => !procfsOnly(t));
  const requests = asked.map((t) => requestFor(t, query));
  // A port query walks the kernel's TCP hash once for both families instead of once per family.
  const both = bothFamiliesAt(asked, query);
  const sent = both < 0 ? requests : requests.toSpliced(both, 2, bothFamiliesRequest(query));
  let replies: (Buffer | string)[] | undefined;
  let gone = false;
  for (const path of netnsPaths(group)) {
    try {
      replies = addon.sockDiag(path, sent);
      if (both >= 0) replies = unpackBoth(replies, both, () => addon.sockDiag(path, requests.slice(both, both + 2)));
      break;
    } catch (error) {
      gone = isGone(error);
      if (!gone) break; // EPERM without root: /proc/PID/net still works
    }
  }
  if (replies === undefined) return { sockets: [], missing: [...tables], gone };
  const sockets: Socket[] = [];
  const missing: TableSpec[] = tables.filter(procfsOnly);
  asked.forEach((table, i) => {
    const reply = replies[i];
    if (reply === undefined || typeof reply === 'string') {
      missing.push(table);
      return;
    }
    const parsed =
      table.protocol === 'unix'
        ? parseUnixDiag(reply, group.netns)
        : parseInetDiag(reply, table as InetTable, group.netns, { sockopt: query.extensions?.sockopt === true });
    for (const s of parsed.sockets) sockets.push(s);
  });
  return { sockets, missing, gone: false };
}
