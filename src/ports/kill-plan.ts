import type { Backend, NetnsSelector } from '../inventory/index.js';
import type { Owner, Socket, SnapshotWarning } from '../model/index.js';
import { processNow } from './process-check.js';
import { parsePortTarget, type PortTarget } from './target.js';
import { isListening, whoOwns } from './who-owns.js';

/** Options of {@link planKill}. */
export interface PlanKillOptions {
  /** Also target the owners of connections on the port, not only of its listeners. @default false */
  readonly allSockets?: boolean;
  /** Which network namespaces (see listSockets). @default 'all' */
  readonly netns?: NetnsSelector;
  /** Kernel reader (see listSockets). @default 'auto' */
  readonly backend?: Backend;
}

/** Why a process that owns the port is never signalled: it is init (pid 1) or this process. */
export type RefusalReason = 'init' | 'self';

/** One process that {@link killPort} would signal, with the sockets on the port(s) it holds. */
export interface KillCandidate {
  /** The owner as the inventory saw it: pid, command, user, systemd unit, container... */
  readonly owner: Owner;
  /** Its start time in clock ticks after boot (/proc/PID/stat field 22): a reused pid has another. */
  readonly startTicks: number;
  /** The sockets on the targeted port(s) that it holds. */
  readonly sockets: readonly Socket[];
  /** Set when this process is never signalled. */
  readonly refused?: RefusalReason;
}

/** What {@link killPort} would do: the targets, the processes, and what it cannot see. */
export interface KillPlan {
  readonly targets: readonly PortTarget[];
  /** Owners to signal, by ascending pid. */
  readonly candidates: readonly KillCandidate[];
  /** Sockets on the port(s) whose owners this user cannot see (another user's, without root). */
  readonly hidden: readonly Socket[];
  readonly warnings: readonly SnapshotWarning[];
}

/**
 * Finds the processes to signal for `ports`: the owners of each port's listening sockets (TCP
 * LISTEN, bound UDP), and with `allSockets` of its connections too. Reads nothing but the socket
 * inventory (see whoOwns) and /proc/PID/stat for start times; sends no signal.
 *
 * @param ports `3000`, `3000/udp`, `127.0.0.1:3000`, `[::1]:3000`... (see parsePortTarget).
 * @throws PortscopeError `INVALID_ARGUMENT` (a bad port), `NOT_FOUND` (unknown netns), `UNSUPPORTED_PLATFORM`.
 */
export async function planKill(
  ports: readonly (string | PortTarget)[],
  options: PlanKillOptions = {},
): Promise<KillPlan> {
  const targets = ports.map((p) => (typeof p === 'string' ? parsePortTarget(p) : p));
  const byPid = new Map<number, { owner: Owner; sockets: Socket[] }>();
  const hidden: Socket[] = [];
  const warnings: SnapshotWarning[] = [];
  for (const target of targets) {
    // Every holder, not the first found: a co-owner left running would keep the port.
    const result = await whoOwns(target, {
      allOwners: true,
      ...(options.netns === undefined ? {} : { netns: options.netns }),
      ...(options.backend === undefined ? {} : { backend: options.backend }),
    });
    warnings.push(...result.warnings);
    for (const socket of result.sockets) {
      if (options.allSockets !== true && !isListening(socket)) continue;
      if (socket.ownerStatus === 'permission-denied') hidden.push(socket);
      for (const owner of socket.owners) {
        const entry = byPid.get(owner.pid) ?? { owner, sockets: [] };
        if (!entry.sockets.some((s) => s.inode === socket.inode)) entry.sockets.push(socket);
        byPid.set(owner.pid, entry);
      }
    }
  }
  const candidates: KillCandidate[] = [];
  for (const [pid, { owner, sockets }] of [...byPid].sort((a, b) => a[0] - b[0])) {
    const now = processNow(pid);
    if (now === undefined) continue; // exited since the listing
    const refused = pid === 1 ? 'init' : pid === process.pid ? 'self' : undefined;
    candidates.push({ owner, startTicks: now.startTicks, sockets, ...(refused === undefined ? {} : { refused }) });
  }
  return { targets, candidates, hidden, warnings };
}
