import { hostname } from 'node:os';
import type { OwnerSource, Snapshot, SnapshotWarning, SocketSource } from '../../model/index.js';
import type { NamespaceGroup } from './netns.js';
import type { TableSource } from './tables.js';

/** A Snapshot whose `sockets` are `S`: Socket objects, or the columns they were read into. */
export type SnapshotOf<S> = Omit<Snapshot, 'sockets'> & { readonly sockets: S };

/** What a Linux listing found besides its sockets. */
export interface SnapshotParts {
  /** ISO 8601 time the listing started. */
  readonly takenAt: string;
  /** How many namespaces were selected (a `socketSource` is given when more than one). */
  readonly selected: number;
  /** The namespaces listed (not gone), in order. */
  readonly listed: readonly NamespaceGroup[];
  /** Where each listed namespace's sockets were read from, by inode. */
  readonly sources: ReadonlyMap<number, TableSource[]>;
  readonly warnings: SnapshotWarning[];
  readonly ownerSource?: OwnerSource | undefined;
  readonly socketSource: SocketSource;
}

/**
 * The Snapshot of a Linux listing (collectLinux), its properties in the order `--json` prints them, with
 * `sockets` as given: Socket objects, or (the CLI's listing in columns) the columns, printed row by row.
 */
export function linuxSnapshot<S>(parts: SnapshotParts, sockets: S): SnapshotOf<S> {
  const { ownerSource, selected } = parts;
  return {
    schemaVersion: 1,
    takenAt: parts.takenAt,
    host: hostname(),
    platform: 'linux',
    namespaces: parts.listed.map(({ netns, isHost, pids: members, name }) => {
      const info = { netns, isHost, pids: members.length, sources: parts.sources.get(netns) ?? [] };
      return name === undefined ? info : { ...info, name };
    }),
    warnings: parts.warnings,
    sockets,
    ...(ownerSource === undefined ? {} : { ownerSource }),
    ...(selected > 1 ? { socketSource: parts.socketSource } : {}),
  };
}
