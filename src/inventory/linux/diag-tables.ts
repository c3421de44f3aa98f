import { errnoCode } from '../../errors.js';
import type { Socket } from '../../model/index.js';
import { AF_INET, AF_INET6, IPPROTO, inetDiagRequest, unixDiagRequest, type DiagExtensions } from './diag-request.js';
import type { NativeAddon } from './native.js';
import type { NamespaceGroup } from './netns.js';
import { parseInetDiag, parseUnixDiag } from './parse-diag.js';
import type { InetTable } from './parse-inet.js';

/** A socket table by its /proc/net file name (`tcp6`), with what it holds. */
export interface TableSpec {
  readonly file: string;
  readonly protocol: InetTable['protocol'] | 'unix';
  readonly family: InetTable['family'] | 'unix';
}

/** What sock_diag gave, and the tables it could not give (to be read from /proc/net instead). */
export interface DiagResult {
  readonly sockets: Socket[];
  readonly missing: TableSpec[];
}

/** What the kernel should filter on. */
export interface DiagQuery {
  /** TCP states to dump, as the kernel's bit mask (bit N = state N). */
  readonly tcpStateMask: number;
  /** Only sockets bound to this local port (inet tables). */
  readonly localPort?: number;
  /** Attributes to ask for beyond the usual (tcp_info, memory, TOS). @default none */
  readonly extensions?: DiagExtensions;
}

function requestFor(table: TableSpec, query: DiagQuery): Buffer {
  if (table.protocol === 'unix') return unixDiagRequest(query.extensions?.unix);
  const family = table.family === 'inet' ? AF_INET : AF_INET6;
  const states = table.protocol === 'tcp' ? query.tcpStateMask : 0xffffffff;
  return inetDiagRequest(family, IPPROTO[table.protocol], states, query.localPort, query.extensions?.inet);
}

/**
 * Reads `tables` of one namespace through netlink sock_diag (the way `ss` does), with the
 * kernel filtering TCP sockets by state and inet sockets by local port (see {@link DiagQuery}). Entering another namespace needs
 * CAP_SYS_ADMIN: without it, or when the kernel lacks a diag module, those tables come back in
 * `missing` for the /proc/net reader. Never throws.
 */
export function readByDiag(
  addon: NativeAddon,
  group: NamespaceGroup,
  tables: readonly TableSpec[],
  query: DiagQuery,
): DiagResult {
  const requests = tables.map((t) => requestFor(t, query));
  const paths = group.isHost ? [null] : group.pids.slice(0, 8).map((pid) => `/proc/${String(pid)}/ns/net`);
  let replies: (Buffer | string)[] | undefined;
  for (const path of paths) {
    try {
      replies = addon.sockDiag(path, requests);
      break;
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') break; // EPERM without root: /proc/PID/net still works
    }
  }
  if (replies === undefined) return { sockets: [], missing: [...tables] };
  const sockets: Socket[] = [];
  const missing: TableSpec[] = [];
  tables.forEach((table, i) => {
    const reply = replies[i];
    if (reply === undefined || typeof reply === 'string') {
      missing.push(table);
      return;
    }
    const parsed =
      table.protocol === 'unix'
        ? parseUnixDiag(reply, group.netns)
        : parseInetDiag(reply, { protocol: table.protocol, family: table.family as InetTable['family'] }, group.netns, {
            sockopt: query.extensions?.sockopt === true,
          });
    for (const s of parsed.sockets) sockets.push(s);
  });
  return { sockets, missing };
}
