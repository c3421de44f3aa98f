import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { NativeColumnArrays } from './parse-diag-columns.js';
import { packageRoot } from '../../package-root.js';

/** The optional C addon (native/*.c, built by `npm install` with node-gyp). */
export interface NativeAddon {
  /**
   * Sends each prepared sock_diag request on one NETLINK_SOCK_DIAG socket (opened inside the
   * network namespace of `netnsPath`, e.g. /proc/PID/ns/net, when given) and returns, per request,
   * its raw reply messages or the errno name the kernel answered with, in NLMSG_ERROR or in the
   * status of NLMSG_DONE (`ENOENT`: no diag handler for that protocol, e.g. raw without raw_diag).
   * @throws Error with `code` EPERM/EACCES (no right to enter the namespace), ENOENT (gone)...
   */
  sockDiag(netnsPath: string | null, requests: readonly Buffer[]): (Buffer | string)[];
  /**
   * sockDiag(null, requests) on the libuv threadpool: the dumps of this process's own network namespace,
   * made while JavaScript goes on. Resolves with the same per-request replies or errno names.
   * @throws Error (synchronously) with `code` EINVAL for more than 64 requests or one that is not a Buffer;
   * (rejects) with `code` EMFILE, ENOBUFS... when the netlink socket cannot be opened.
   */
  sockDiagAsync?(requests: readonly Buffer[]): Promise<(Buffer | string)[]>;
  /**
   * Reads /proc/net/FILE for each of `files` from inside the network namespace of `netnsPath`
   * (e.g. /run/netns/NAME): the way into a namespace no process lives in. Per file, its whole text
   * or the errno name (`ENOENT`: no such table).
   * @throws Error with `code` ENOENT (the namespace is gone), EPERM (no CAP_SYS_ADMIN)...
   */
  netTables(netnsPath: string, files: readonly string[]): (Buffer | string)[];
  /**
   * Walks /proc/PID/fd of `pids` on the libuv threadpool, entry i of each directory when
   * `i % slices === slice`, and resolves with flat `[inode, pid, fd]` triples of socket fds and
   * the pids whose fd directory was unreadable (`denied`) or gone.
   */
  walkFds(
    pids: Uint32Array,
    slice: number,
    slices: number,
    /** Keep only these inodes, and stop after the process in which the last of them was first seen. */
    wanted?: Uint32Array,
  ): Promise<{ holders: Uint32Array; denied: Uint32Array; gone: Uint32Array }>;
  /**
   * Sends one prepared SOCK_DESTROY request (an inet_diag_req_v2 naming one socket) inside the network
   * namespace of `netnsPath` (null: this one) and returns undefined when the kernel closed the socket, or the
   * errno name it answered (EOPNOTSUPP: kernel without CONFIG_INET_DIAG_DESTROY; ENOENT: gone; EPERM).
   * @throws Error with `code` when the netlink socket cannot be opened there.
   */
  sockDestroy?(netnsPath: string | null, request: Buffer): string | undefined;
  /**
   * A netlink sock_diag socket of this namespace bound to the multicast `groups` mask (bit N-1 = SKNLGRP N:
   * 1 TCP, 2 UDP, 3 TCP over IPv6, 4 UDP over IPv6 destroy events). Each read(2) returns inet_diag messages of
   * sockets as they are destroyed; reads time out after 250 ms (EAGAIN). Close with fs.closeSync.
   * @throws Error with `code` EPERM (needs CAP_NET_ADMIN).
   */
  diagEventsOpen?(groups: number): number;
  /**
   * Runs the BPF task_file iterator of `object` (the bytes of native/bpf/owners.bpf.o), loaded with libbpf
   * (opened with dlopen) and kept attached for the life of the process, on the libuv threadpool. Resolves with
   * flat `[inode, pid, fd]` triples of every socket fd of every process (pid = thread group id), of the
   * `wanted` inodes only when given; of process `pid`'s fd table only when given (an iterator link of its own,
   * Linux 6.1; an older kernel walks every process and the others' records are dropped; a process that is gone
   * gives none).
   * @throws Error (rejects) with `code` ENOENT (libbpf.so.1 not found), EPERM (no CAP_BPF), EINVAL... and a
   * message saying which step failed, with libbpf's own words; EINVAL (synchronously) when `pid` is not a
   * number from 1 to 2^32-1.
   */
  bpfOwners?(object: Buffer, wanted?: Uint32Array, pid?: number): Promise<Uint32Array>;
  /**
   * Loads the BPF program of `object` (the bytes of native/bpf/sockets.bpf.o) with room for `capacity`
   * records (1 to 2^24; when the host has more sockets, the walk counts them and the program is loaded
   * again with room for them all, up to 4 tries), runs it once on the libuv threadpool and closes it.
   * Resolves with its 64-byte records (every TCP and UDP socket of every namespace in the shared tables:
   * see that file; only those with local port `port` when given, 0-65535; of the `protocols` only, a
   * bit mask: 1 TCP, 2 UDP, default 3) and its flags (2: a hash chain was cut short; 4: this namespace has
   * TCP tables of its own).
   * @throws Error (synchronously) with `code` EINVAL for arguments out of those ranges; (rejects) with
   * `code` ENOENT (libbpf.so.1 not found), EPERM, EOVERFLOW... and a message saying which step failed,
   * with libbpf's own words.
   */
  bpfSockets?(
    object: Buffer,
    capacity: number,
    port?: number,
    protocols?: number,
  ): Promise<{ records: ArrayBuffer; flags: number }>;
  /**
   * Appends the sockets of one inet_diag dump reply to `columns` (SocketColumns' 13 arrays, in its order) from
   * row `at`, as appendInetDiag appends them without details: the messages of `family` (AF_INET, AF_INET6, 0
   * both) whose `keep[(protocol * 2 + isInet6) * 16 + state]` is 1, addresses numbered by this reply's own
   * order; returns those addresses, each once as 17 bytes (the family, then 16 bytes, IPv4 in the first 4),
   * and sets state[0] to the rows appended; when the arrays are too short, writes nothing, sets state[0] to
   * the rows needed and returns undefined (native/diag-columns.c).
   * @throws Error with `code` EINVAL for arguments of the wrong type, ENOMEM.
   */
  readonly inetColumns?: (
    reply: Buffer,
    protocol: number,
    family: number,
    keep: Uint8Array,
    columns: NativeColumnArrays,
    at: number,
    netns: number,
    state: Uint32Array,
  ) => Buffer | undefined;
  /**
   * Appends the one BPF pass's 64-byte records (native/bpf/sockets.bpf.c) to `columns` from row `at`: those of
   * a namespace of `order` (inodes), AF_INET or AF_INET6, kept by keep[(protocol * 2 + isInet6) * 16 + code]
   * (protocol 0 TCP, 1 any other) and, with `ports`, of one of those local ports; the namespaces in `order`'s
   * order, each in sock_diag's table order (tcp, tcp6, udp, udp6), records in the walk's order within a table.
   * Returns the distinct addresses and sets state[0] as {@link inetColumns} does (native/onepass-columns.c).
   * @throws Error with `code` EINVAL for arguments of the wrong type or size, ENOMEM.
   */
  readonly onePassColumns?: (
    records: Uint8Array,
    order: Uint32Array,
    keep: Uint8Array,
    ports: Uint16Array | null,
    columns: NativeColumnArrays,
    at: number,
    state: Uint32Array,
  ) => Buffer | undefined;
  /**
   * For i below `count`, out[i] = a[row] * m + (b null: 0; `family`: b[row] == 6; else b[row]), row = order[i]
   * (i when order is null); `starKey` instead where star >= 0, b[row] == 6, a[row] == star and v6only[row] == 0
   * (native/table-keys.c: the keys of a table's cells, src/cli/render/pieces.ts).
   * @throws Error with `code` EINVAL for arrays of the wrong type or shorter than the rows.
   */
  readonly columnKeys?: (
    out: Uint32Array,
    count: number,
    order: Uint32Array | null,
    a: Uint8Array | Int8Array | Uint16Array | Uint32Array,
    m: number,
    b: Uint8Array | Int8Array | Uint16Array | Uint32Array | null,
    family: boolean,
    star: number,
    v6only: Int8Array | null,
    starKey: number,
  ) => void;
  /**
   * Each distinct key of keys[0..count-1] below table.length whose table entry is 0, once, in the order first
   * met; their entries are set to 0xffffffff (native/table-keys.c). @throws Error with `code` EINVAL.
   */
  readonly missingKeys?: (keys: Uint32Array, count: number, table: Uint32Array) => Uint32Array;
  /**
   * keys[i] = table[keys[i]] - 1 for i below count where that entry is set (not 0 or 0xffffffff); returns the i
   * left (native/table-keys.c). @throws Error with `code` EINVAL.
   */
  readonly numberKeys?: (keys: Uint32Array, count: number, table: Uint32Array) => Uint32Array;
  /**
   * For i below `count`, row = order[i] (i when order is null): when exactly one [inode, pid, fd] triple of
   * `holders` has the inode inodes[row] (not 0), pids[i] = its pid and fds[i] = its fd; else pids[i] = -1
   * (OwnerJoin.soleTriple for a table's rows at once; native/table-keys.c). Returns the largest pid written
   * (-1 for none); an addon built before it returns undefined.
   * @throws Error with `code` EINVAL for arrays of the wrong type or too short, ENOMEM.
   */
  readonly soleOwners?: (
    holders: Uint32Array,
    inodes: Uint32Array,
    count: number,
    order: Uint32Array | null,
    pids: Int32Array,
    fds: Uint32Array,
  ) => number | undefined;
  /**
   * out[i] = keys[i] | tag for i below count: a table's number pieces (src/cli/render/pieces.ts's NUMBER_PIECE
   * as the tag; native/table-keys.c). @throws Error with `code` EINVAL for arrays shorter than count or a key
   * with a bit of `tag` set (out written up to it).
   */
  readonly tagKeys?: (out: Uint32Array, keys: Uint32Array, count: number, tag: number) => void;
  /**
   * For each column k below `widths.length`, sets widths[k] to the largest of itself and `lengths[head] +
   * lengths[tail]` over rows 0 to count - 1, head and tail being the piece numbers `ids[2k][row]` and
   * `ids[2k + 1][row]` (a null tail adds 0): the widths of a table of pieces (src/cli/render/pieces.ts).
   * Number pieces: see {@link tableNumbers}.
   * @throws Error with `code` EINVAL for a piece number out of range or arrays shorter than `count`.
   */
  tableWidths?(
    lengths: Uint32Array,
    ids: readonly (Uint32Array | null)[],
    count: number,
    widths: Uint32Array,
    suffixes?: Uint32Array,
  ): void;
  /**
   * Writes rows `from` to `to` - 1 of a table of pieces (piece i: `bytes[starts[i]..starts[i + 1]]`) into
   * `out` as ChunkedOutput.addRow writes a row: cells padded to `widths` (right-aligned where `right[k]`),
   * two spaces apart, the last unpadded when left-aligned, trailing spaces trimmed, '\n' after each. Stops
   * before a row that does not fit in `out`, has a piece whose `plain` is 0, or a cell wider than its
   * column: `state[0]` = the next row to write, `state[1]` = the bytes written (native/table.c); `out` past
   * them may have been written too. Number pieces, with `suffixes`: see {@link tableNumbers}.
   * @throws Error with `code` EINVAL for a piece number out of range or arrays that do not agree.
   */
  tableRows?(
    bytes: Buffer,
    starts: Uint32Array,
    plain: Uint8Array,
    ids: readonly (Uint32Array | null)[],
    widths: Uint32Array,
    right: Uint8Array,
    from: number,
    to: number,
    out: Buffer,
    state: Uint32Array,
    suffixes?: Uint32Array,
  ): void;
  /**
   * True when tableWidths and tableRows take number pieces: with `suffixes` (a piece number per column), a
   * piece number with bit 31 set is the decimal digits of its low 31 bits followed by piece suffixes[k], but
   * 0xffffffff (UNHANDLED: a row a cell left) is out of range (native/table.c; src/cli/render/pieces.ts
   * NUMBER_PIECE). Absent from an addon built before them.
   */
  readonly tableNumbers?: boolean;
  /**
   * pidfd_open(2): an fd that names process `pid` itself (not whichever process later gets its pid).
   * Close it with fs.closeSync. @throws Error with `code` ESRCH (no such process), ENOSYS (kernel < 5.3).
   */
  pidfdOpen(pid: number): number;
  /**
   * pidfd_send_signal(2): signal number `signo` (0 only checks) to the process of `pidfd`.
   * @throws Error with `code` ESRCH (it has exited), EPERM (another user's process), EBADF.
   */
  pidfdSendSignal(pidfd: number, signo: number): void;
}

let loaded: NativeAddon | null | undefined;

/**
 * The native addon, or undefined when it was not built (no compiler at install time) or cannot
 * load. Loaded once.
 */
export function nativeAddon(): NativeAddon | undefined {
  if (loaded === undefined) {
    loaded = null;
    if (process.platform === 'linux') {
      try {
        // build/ is beside package.json, whether this runs from src/, dist/ or the CLI bundle.
        const path = join(packageRoot(), 'build/Release/portscope_native.node');
        loaded = createRequire(import.meta.url)(path) as NativeAddon;
      } catch {
        loaded = null;
      }
    }
  }
  return loaded ?? undefined;
}
