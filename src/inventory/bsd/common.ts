import { PortscopeError } from '../../errors.js';
import type { Owner, SnapshotWarning } from '../../model/index.js';
import { compileFilter } from '../filter/compile.js';
import type { SocketPredicate } from '../filter/index.js';
import { hostsResolver } from '../linux/filter-context.js';
import type { NormalizedListOptions } from '../options.js';
import type { PsProcess } from './parse-ps.js';

/** A platform without Linux's extras: the names used in its messages. */
export type OtherPlatform = 'macOS' | 'FreeBSD';

/**
 * Checks the options a platform without network namespaces and sock_diag can serve, and returns the
 * warnings for what it leaves out: the sock_diag details (tcpInfo, skmem, tos, inetSockopt) and
 * protocols its tools do not list.
 * @throws PortscopeError `UNSUPPORTED_PLATFORM` for a netns other than 'all' or 'host'.
 */
export function checkOtherPlatform(
  options: NormalizedListOptions,
  platform: OtherPlatform,
  listed: readonly string[],
): SnapshotWarning[] {
  if (options.netns !== 'all' && options.netns !== 'host') {
    throw new PortscopeError(
      'UNSUPPORTED_PLATFORM',
      `Expected netns 'all' or 'host' on ${platform}, got \`${String(options.netns)}\`: network namespaces are Linux's`,
    );
  }
  const warnings: SnapshotWarning[] = [];
  const details = (['tcpInfo', 'skmem', 'tos', 'inetSockopt'] as const).filter((k) => options[k]);
  // udplite and raw are in the default list; say nothing of them unless they were all that was asked.
  const missing = [...options.protocols].filter((p) => !listed.includes(p));
  const named = missing.filter((p) => (p !== 'udplite' && p !== 'raw') || missing.length === options.protocols.size);
  if (details.length > 0 || named.length > 0) {
    const parts = [
      ...(details.length > 0 ? [`${details.join(', ')} (Linux sock_diag only)`] : []),
      ...(named.length > 0 ? [`${named.join(', ')} sockets (its tools list ${listed.join(', ')})`] : []),
    ];
    warnings.push({ code: 'DETAILS_UNAVAILABLE', message: `Not available on ${platform}: ${parts.join('; ')}` });
  }
  return warnings;
}

/** The filter predicate outside Linux: host names from /etc/hosts; no netns names, no uid table. */
export function otherPlatformPredicate(options: NormalizedListOptions): SocketPredicate {
  return compileFilter(options.filter, { users: new Map(), netnsNames: new Map(), hostAddresses: hostsResolver() });
}

/**
 * An owner from what the tools said: `ps` facts when the process was found, the command name the socket
 * tool printed, and the fds and uid lsof/sockstat gave. Undefined when no tool knows the process (gone).
 */
export function ownerFrom(
  pid: number,
  seen: { command?: string; uid?: number; fds?: number[] },
  ps: PsProcess | undefined,
): Owner | undefined {
  if (ps === undefined && seen.command === undefined) return undefined;
  // Without a name from lsof/sockstat/netstat, the last path element of the command line's first word.
  const command = seen.command ?? (ps?.commandLine.split(' ')[0] ?? '').replace(/^.*\//, '');
  const uid = seen.uid ?? ps?.uid;
  return {
    pid,
    command,
    ...(seen.fds === undefined ? {} : { fds: [...seen.fds].sort((a, b) => a - b) }),
    ...(uid === undefined ? {} : { uid }),
    ...(ps === undefined ? {} : { user: ps.user, startedAt: ps.startedAt }),
    ...(ps === undefined || ps.commandLine === '' ? {} : { cmdline: [ps.commandLine] }),
  };
}
