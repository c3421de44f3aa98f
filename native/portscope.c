// portscope's native part: the two system calls procfs makes slow, the pidfd calls Node lacks, and
// nothing else.
//
//   sockDiag(netnsPath, requests) -> (Buffer | string)[]
//     Sends each prepared sock_diag request (NETLINK_SOCK_DIAG, built and parsed in TypeScript)
//     and returns the raw reply messages of each, or the errno name when the kernel refused it
//     (in NLMSG_ERROR, or in the int an NLMSG_DONE carries; ENOENT: no such diag handler). With netnsPath, the netlink socket is opened inside that
//     network namespace (setns on this thread, then straight back).
//
//   sockDiagAsync(requests) -> Promise<(Buffer | string)[]>
//     sockDiag in this process's own namespace, on the libuv threadpool (diag-async.c).
//
//   netTables(netnsPath, files) -> (Buffer | string)[]
//     Reads /proc/net/FILE of each file as seen from inside the network namespace of netnsPath
//     (setns on this thread, read /proc/thread-self/net, straight back): the way to a namespace
//     that no process lives in. Per file, its bytes or the errno name (ENOENT: no such table).
//
//   walkFds(pids, slice, slices, wanted?) -> Promise<{ holders: Uint32Array, denied: Uint32Array, gone: Uint32Array }>
//     With `wanted` (a sorted Uint32Array of socket inodes), only those are kept, and the walk stops
//     after the process in which each has been seen once: every process walked is walked in full, so
//     the caller need not walk the holders found again (it looks for co-owners in their family itself).
//     On the libuv threadpool: for each pid, readlinkat every entry of /proc/PID/fd (entry i taken
//     when i % slices == slice; on one slice, a table of over 1,024 fds is read by fd number first, see
//     walk.c) and keep `socket:[inode]` ones as flat [inode, pid, fd] triples.
//
//   sockDestroy(netnsPath, request) -> undefined | errno name
//     SOCK_DESTROY of one socket (ss -K), in destroy.c.
//
//   diagEventsOpen(groups) -> fd
//     A netlink socket that receives sockets as they are destroyed (ss -E), in destroy.c.
//
//   pidfdOpen(pid) -> fd;  pidfdSendSignal(fd, signo) -> undefined
//     pidfd_open(2) and pidfd_send_signal(2) (Linux 5.3): a pidfd names one process, not a pid, so a
//     signal sent through it can never reach another process that reused the pid. Close the fd
//     with fs.closeSync.
//
//   bpfOwners(object, wanted?, pid?) -> Promise<Uint32Array>
//     Runs the BPF task_file iterator of `object` (native/bpf/owners.bpf.o) with libbpf, opened with
//     dlopen, on the libuv threadpool: flat [inode, pid, fd] triples of every socket fd of every
//     process (with `wanted`, of those inodes only; with `pid`, of that process only). Rejects with the
//     reason it cannot (in bpf.c).
//   bpfSockets(object, capacity) -> Promise<{ records: ArrayBuffer, flags }>
//     Every TCP and UDP socket of every network namespace from one run of native/bpf/sockets.bpf.o:
//     64-byte records (see that file), in bpf-sockets.c.
//   connectLoopOpen/Submit/Cancel/Ref/Close: the TCP connect loop of `scan` on a thread of its own, in scan.c.
//   tableWidths/tableRows: a listing's table in columns written as bytes from pieces of text, in table.c;
//   columnKeys/missingKeys/numberKeys/tagKeys: its cells' piece numbers from the columns, and soleOwners: each
//   row's one owner (pid, fd) by inode, in table-keys.c.
//   inetColumns: an inet_diag reply parsed into a listing's columns (no details), in diag-columns.c;
//   onePassColumns: the one BPF pass's records appended to them, in onepass-columns.c.
//
// Errors are thrown with `code` set to the errno name (EPERM, EACCES...). Parsing stays in TypeScript, but
// for the columns of a plain listing (diag-columns.c), which parse-diag-columns.ts parses the same way.
#include "common.h"

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "sockDiag", NAPI_AUTO_LENGTH, SockDiag, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "sockDiag", fn) != napi_ok ||
      napi_create_function(env, "sockDiagAsync", NAPI_AUTO_LENGTH, SockDiagAsync, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "sockDiagAsync", fn) != napi_ok ||
      napi_create_function(env, "netTables", NAPI_AUTO_LENGTH, NetTables, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "netTables", fn) != napi_ok ||
      RegisterUnixDgram(env, exports) != napi_ok ||  // unixDgram* (nc -U -u), in unixdgram.c
      RegisterTable(env, exports) != napi_ok ||      // tableWidths, tableRows, in table.c
      RegisterDiagColumns(env, exports) != napi_ok ||  // inetColumns, in diag-columns.c
      RegisterOnePassColumns(env, exports) != napi_ok ||  // onePassColumns, in onepass-columns.c
      RegisterTableKeys(env, exports) != napi_ok ||    // columnKeys, missingKeys, numberKeys, soleOwners, tagKeys
      napi_create_function(env, "walkFds", NAPI_AUTO_LENGTH, WalkFds, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "walkFds", fn) != napi_ok ||
      napi_create_function(env, "pidfdOpen", NAPI_AUTO_LENGTH, PidfdOpen, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "pidfdOpen", fn) != napi_ok ||
      napi_create_function(env, "pidfdSendSignal", NAPI_AUTO_LENGTH, PidfdSendSignal, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "pidfdSendSignal", fn) != napi_ok ||
      napi_create_function(env, "sockDestroy", NAPI_AUTO_LENGTH, SockDestroy, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "sockDestroy", fn) != napi_ok ||
      napi_create_function(env, "diagEventsOpen", NAPI_AUTO_LENGTH, DiagEventsOpen, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "diagEventsOpen", fn) != napi_ok ||
      napi_create_function(env, "bpfOwners", NAPI_AUTO_LENGTH, BpfOwners, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "bpfOwners", fn) != napi_ok ||
      napi_create_function(env, "bpfSockets", NAPI_AUTO_LENGTH, BpfSockets, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "bpfSockets", fn) != napi_ok ||
      RegisterConnectLoop(env, exports) != 0)
    return NULL;
  return exports;
}
