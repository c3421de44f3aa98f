import type { Socket } from './socket.js';

/** A network namespace seen during a listing. */
export interface NamespaceInfo {
  /** Inode of the namespace (the `N` of `net:[N]` in /proc/PID/ns/net). */
  readonly netns: number;
  /** True for the namespace of the listing process (the "host" view). */
  readonly isHost: boolean;
  /** Processes found in it; 0 for a namespace only a bind mount pins (`ip netns add`), read by entering it. */
  readonly pids: number;
  /** Its name under /run/netns (as `ip netns` shows it), when it has one. */
  readonly name?: string;
  /**
   * Where its sockets were read from: `sock_diag` (netlink, through the native addon, as `ss`
   * does) and/or `procfs` (/proc/net text: no addon, no right to enter the namespace, or a diag
   * module the kernel lacks), or `bpf` (its TCP and UDP sockets, from the one pass over every
   * namespace: see {@link Snapshot.socketSource}).
   */
  readonly sources: ('sock_diag' | 'procfs' | 'bpf')[];
}

/** A non-fatal problem met while listing (an unreadable process, a missing table). */
export interface SnapshotWarning {
  /**
   * Stable code: `PERMISSION_DENIED` (not root: owners unknown), `TABLE_UNREADABLE` (a /proc/net
   * table), `NETNS_GONE` (namespaces that vanished while being listed: informational, not an error).
   */
  readonly code: string;
  /** One line for a person. */
  readonly message: string;
  readonly pid?: number;
}

/**
 * Where the owners of a listing's sockets came from: `bpf` (one pass of a BPF task_file iterator over every
 * process's fd table: root, or CAP_BPF and CAP_PERFMON, libbpf, and a kernel with BTF) or `procfs` (a readlink
 * of every /proc/PID/fd entry). With `procfs`, `reason` says why BPF was not used (`PORTSCOPE_BPF=0`, not
 * root, libbpf not found, the kernel's load error...).
 */
export interface OwnerSource {
  readonly source: 'bpf' | 'procfs';
  readonly reason?: string;
}

/**
 * How the TCP and UDP sockets of a listing of several namespaces were read, chosen once per listing: `bpf`
 * (one pass of a BPF program over the kernel's shared socket tables, every namespace at once: root, libbpf,
 * a kernel with BTF, and only the fields it gives, see ListSocketsOptions `details`) or `per-namespace` (one
 * sock_diag dump, or /proc/net read, per namespace; each walks every socket of the host). With
 * `per-namespace`, `reason` says why not BPF (`PORTSCOPE_BPF=0`, not root, the kernel's load error...).
 */
export interface SocketSource {
  readonly source: 'bpf' | 'per-namespace';
  readonly reason?: string;
}

/** Everything one listing saw, as printed by `--json` (schema in docs/schema.md). */
export interface Snapshot {
  readonly schemaVersion: 1;
  /** ISO 8601 time the listing started. */
  readonly takenAt: string;
  /** os.hostname(). */
  readonly host: string;
  readonly platform: NodeJS.Platform;
  readonly namespaces: NamespaceInfo[];
  readonly warnings: SnapshotWarning[];
  readonly sockets: Socket[];
  /** Where owners came from (Linux, when owners were looked up). */
  readonly ownerSource?: OwnerSource;
  /** How TCP and UDP sockets were read (Linux, when more than one namespace was). */
  readonly socketSource?: SocketSource;
}
