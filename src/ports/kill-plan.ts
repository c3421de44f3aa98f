import { PortscopeError } from '../errors.js';
import { currentPlatform } from '../inventory/platform.js';
import { processStartedAt } from '../inventory/process-start.js';
import type { Backend, NetnsSelector } from '../inventory/index.js';
import { netnsOf } from '../inventory/linux/netns.js';
import type { Owner, Socket, SnapshotWarning } from '../model/index.js';
import { pidfdUnavailable, processNow } from './process-check.js';
import { parsePortTarget, type PortTarget } from './target.js';
import { isListening, whoOwns } from './who-owns.js';

/** Options of {@link planKill}. */
export interface PlanKillOptions {
  /** Also target the owners of connections on the port, not only of its listeners. @default false */
  readonly allSockets?: boolean;
  /**
   * Which network namespaces to look in (see listSockets). Holders in a namespace named here (a
   * name under /run/netns or an inode) may be signalled; with `'all'` only those in the caller's
   * own namespace are, unless `allNetns`. @default 'all'
   */
  readonly netns?: NetnsSelector;
  /** Signal holders in every network namespace, not only the caller's own. Needs `netns` 'all'. @default false */
  readonly allNetns?: boolean;
  /** Kernel reader (see listSockets); `'procfs'` also means signals by pid, without a pidfd. @default 'auto' */
  readonly backend?: Backend;
}

/** Why a process that owns the port is never signalled: it is init (pid 1) or this process. */
export type RefusalReason = 'init' | 'self';

/** A network namespace a socket lives in. */
export interface NetnsRef {
  /** Its inode (`net:[N]`). */
  readonly inode: number;
  /** Its name under /run/netns, when it has one (as `ip netns` shows it). */
  readonly name?: string;
  /** True for the caller's own namespace. */
  readonly own: boolean;
}

/** One process that {@link killPort} would signal, with the sockets on the port(s) it holds. */
export interface KillCandidate {
  /** The owner as the inventory saw it: pid, command, user, systemd unit, container... */
  readonly owner: Owner;
  /** Linux: its start time in clock ticks after boot (/proc/PID/stat field 22): a reused pid has another. */
  readonly startTicks?: number;
  /** Linux: its process group (/proc/PID/stat field 5). */
  readonly pgrp?: number;
  /**
   * Other platforms: its start time as the platform's tool gives it (ps lstart, Win32_Process
   * CreationDate), read again just before each signal: a reused pid has another.
   */
  readonly startedAt?: string;
  /** The sockets on the targeted port(s) that it holds. */
  readonly sockets: readonly Socket[];
  /** The network namespaces of those sockets. */
  readonly netns: readonly NetnsRef[];
  /** Set when this process is never signalled. */
  readonly refused?: RefusalReason;
}

/** What {@link killPort} would do: the targets, the processes, and what it cannot see. */
export interface KillPlan {
  readonly targets: readonly PortTarget[];
  /** Owners to signal, by ascending pid. */
  readonly candidates: readonly KillCandidate[];
  /**
   * Owners left alone because their sockets on the port are all in another network namespace than
   * the caller's, which neither `netns` named nor `allNetns` allowed.
   */
  readonly skipped: readonly KillCandidate[];
  /**
   * Sockets on the port(s), in the namespaces this kill may reach, whose owners this user cannot see
   * (another user's without root, or hidden by /proc's hidepid).
   */
  readonly hidden: readonly Socket[];
  /**
   * True when signals go through pidfds (native addon, Linux 5.3+); false when by pid, with a
   * `NO_PIDFD` warning.
   */
  readonly pidfd: boolean;
  readonly warnings: readonly SnapshotWarning[];
}

/**
 * Whether two listings' sockets are one: by inode on Linux; off Linux, where sockets have none, by
 * protocol and both endpoints (two targets may list the same socket, e.g. `3000` and `[::]:3000`).
 */
function sameSocket(a: Socket, b: Socket): boolean {
  if (a.inode !== undefined || b.inode !== undefined) return a.inode === b.inode;
  const ends = (s: Socket) =>
    `${s.protocol} ${s.local.address} ${String(s.local.port)} ${s.peer.address} ${String(s.peer.port)}`;
  return ends(a) === ends(b);
}

/** The warning for an owner whose start time was never known: it is not signalled. */
function startUnknown(owner: Owner): SnapshotWarning {
  return {
    code: 'START_TIME_UNKNOWN',
    message: `pid ${String(owner.pid)} (${owner.command}) holds the port but its start time cannot be read: it is not signalled, since a reused pid could not be told apart`,
  };
}

/** The warning of a kill without pidfds: what can go wrong, and why. */
function noPidfd(why: string): SnapshotWarning {
  return {
    code: 'NO_PIDFD',
    message: `Signals go by pid, not through a pidfd (${why}): the start time is read again just before each signal, but a process that exits in that instant could have its pid reused and the signal hit the new process`,
  };
}

/**
 * Finds the processes to signal for `ports`: the owners of each port's listening sockets (TCP
 * LISTEN, bound UDP), and with `allSockets` of its connections too. Owners whose sockets are all in
 * another network namespace are `skipped` unless `netns` names one or `allNetns` is set. Reads
 * nothing but the socket inventory (see whoOwns) and /proc/PID/stat for start times; sends no signal.
 *
 * @param ports `3000`, `3000/udp`, `127.0.0.1:3000`, `[::1]:3000`... (see parsePortTarget).
 * @throws PortscopeError `INVALID_ARGUMENT` (a bad port, `allNetns` with a `netns`), `NOT_FOUND`
 *   (unknown netns), `UNSUPPORTED_PLATFORM`.
 */
export async function planKill(
  ports: readonly (string | PortTarget)[],
  options: PlanKillOptions = {},
): Promise<KillPlan> {
  const netns = options.netns ?? 'all';
  if (options.allNetns === true && netns !== 'all') {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected either allNetns or a netns, got both (netns \`${String(netns)}\`)`,
    );
  }
  const targets = ports.map((p) => (typeof p === 'string' ? parsePortTarget(p) : p));
  const byPid = new Map<number, { owner: Owner; sockets: Socket[] }>();
  const hidden: Socket[] = [];
  const warnings: SnapshotWarning[] = [];
  const names = new Map<number, string>();
  const linux = currentPlatform() === 'linux';
  const own = linux ? netnsOf('self') : undefined;
  // A namespace named by the caller is consent; 'all' alone reaches only the caller's own.
  const mayReach = (inode: number) => options.allNetns === true || netns !== 'all' || inode === own;
  for (const target of targets) {
    // Every holder, not the first found: a co-owner left running would keep the port.
    const result = await whoOwns(target, {
      allOwners: true,
      netns,
      ...(options.backend === undefined ? {} : { backend: options.backend }),
    });
    warnings.push(...result.warnings);
    for (const n of result.namespaces) if (n.name !== undefined) names.set(n.netns, n.name);
    for (const socket of result.sockets) {
      if (options.allSockets !== true && !isListening(socket)) continue;
      if (socket.ownerStatus === 'permission-denied' && (socket.netns === undefined || mayReach(socket.netns)))
        hidden.push(socket);
      for (const owner of socket.owners) {
        const entry = byPid.get(owner.pid) ?? { owner, sockets: [] };
        if (!entry.sockets.some((s) => sameSocket(s, socket))) entry.sockets.push(socket);
        byPid.set(owner.pid, entry);
      }
    }
  }
  const candidates: KillCandidate[] = [];
  const skipped: KillCandidate[] = [];
  for (const [pid, { owner, sockets }] of [...byPid].sort((a, b) => a[0] - b[0])) {
    const now = linux ? processNow(pid) : undefined;
    const startedAt = linux ? undefined : await processStartedAt(pid);
    if (!linux && startedAt === undefined && owner.startedAt === undefined) {
      // Never known (Win32_Process gave no CreationDate): a reused pid could not be told apart, so no signal.
      warnings.push(startUnknown(owner));
      continue;
    }
    if (linux ? now === undefined : startedAt === undefined) continue; // exited since the listing
    // Off Linux the start time is the identity: another start than the listing saw is a reused pid.
    if (!linux && owner.startedAt !== undefined && owner.startedAt !== startedAt) continue;
    const refused: RefusalReason | undefined = pid === 1 ? 'init' : pid === process.pid ? 'self' : undefined;
    // A platform without network namespaces (no `netns`: macOS, FreeBSD, Windows) has one stack, the caller's.
    const inodes = [...new Set(sockets.flatMap((s) => (s.netns === undefined ? [] : [s.netns])))];
    const refs = inodes.map((inode) => {
      const name = names.get(inode);
      return name === undefined ? { inode, own: inode === own } : { inode, name, own: inode === own };
    });
    const candidate: KillCandidate = {
      owner,
      ...(now === undefined ? {} : { startTicks: now.startTicks, pgrp: now.pgrp }),
      ...(startedAt === undefined ? {} : { startedAt }),
      sockets,
      netns: refs,
      ...(refused === undefined ? {} : { refused }),
    };
    (inodes.length === 0 || inodes.some(mayReach) ? candidates : skipped).push(candidate);
  }
  const why = linux ? pidfdUnavailable(options.backend) : `${currentPlatform()} has no pidfd`;
  if (why !== undefined && candidates.length > 0) warnings.push(noPidfd(why));
  const pidfd = why === undefined;
  return { targets, candidates, skipped, hidden, pidfd, warnings };
}
