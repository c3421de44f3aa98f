import { existsSync } from 'node:fs';
import { findOwners } from '../inventory/linux/find-owners.js';
import { readKernelPortSettings } from '../registry/kernel-ports.js';
import { listSockets } from '../inventory/list-sockets.js';
import type { NetnsSelector } from '../inventory/options.js';
import type { NamespaceInfo, Owner, OwnerStatus, Protocol, Socket, SnapshotWarning } from '../model/index.js';
import { inodeOf, isListener, toListeners } from './listeners.js';
import type { Listener } from './types.js';

/** What one poll saw. */
export interface PollResult {
  /** Date.now() when the listing started: a listener traced after it may be missing from it. */
  readonly startedMs: number;
  readonly listeners: Listener[];
  readonly namespaces: readonly NamespaceInfo[];
  readonly warnings: readonly SnapshotWarning[];
}

interface Known {
  readonly owners: Owner[];
  readonly status: OwnerStatus;
}

/**
 * Polls listeners cheaply: one listing of listening TCP and unconnected UDP sockets (sock_diag with
 * a state mask, no owners), then an fd walk only for inodes not seen before; a known inode keeps its
 * owners until one of them exits (then it is looked up again).
 */
export class ListenerPoller {
  private known = new Map<number, Known>();

  constructor(
    private readonly netns: NetnsSelector,
    private readonly protocols: readonly Protocol[],
    private readonly ephemeralUdp: boolean,
  ) {}

  /** One poll. @throws what `listSockets` throws (`NOT_FOUND` for an unknown netns...). */
  async poll(): Promise<PollResult> {
    const startedMs = Date.now();
    const snapshot = await listSockets({
      protocols: this.protocols,
      filter: 'state listening state unconnected',
      owners: false,
      netns: this.netns,
    });
    const range = readKernelPortSettings().ephemeral;
    const sockets = snapshot.sockets.filter((s) => isListener(s, range, this.ephemeralUdp));
    const fresh: Socket[] = [];
    const known = new Map<number, Known>();
    for (const s of sockets) {
      const inode = inodeOf(s);
      const cached = inode === undefined ? undefined : this.known.get(inode);
      if (cached === undefined || !cached.owners.every((o) => existsSync(`/proc/${String(o.pid)}`))) {
        fresh.push(s);
        continue;
      }
      s.owners = cached.owners;
      s.ownerStatus = cached.status;
      if (inode !== undefined) known.set(inode, cached);
    }
    let denied = 0;
    if (fresh.length > 0) denied = await findOwners(fresh);
    for (const s of fresh) {
      const inode = inodeOf(s);
      if (inode !== undefined && inode !== 0) known.set(inode, { owners: s.owners, status: s.ownerStatus });
    }
    this.known = known;
    const warnings = [...snapshot.warnings];
    if (denied > 0) {
      warnings.push({
        code: 'PERMISSION_DENIED',
        message: `Owners of ${String(denied)} new listening sockets are unknown: run as root (sudo) to see them`,
      });
    }
    return {
      startedMs,
      listeners: toListeners(sockets, snapshot.namespaces),
      namespaces: snapshot.namespaces,
      warnings,
    };
  }
}
