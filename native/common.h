// Shared by the files of portscope's native addon (see portscope.c): N-API error helpers and a
// growable byte buffer.
#ifndef PORTSCOPE_COMMON_H
#define PORTSCOPE_COMMON_H

#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef NETLINK_SOCK_DIAG
#define NETLINK_SOCK_DIAG 4
#endif

#define CHECK(env, call)                                                  \
  do {                                                                    \
    if ((call) != napi_ok) {                                              \
      napi_throw_error((env), "EINTERNAL", "portscope native: " #call);   \
      return NULL;                                                        \
    }                                                                     \
  } while (0)

// The errno name (`ENOENT`), for `code` on thrown errors and for per-request results.
const char *errno_name(int err);

// Throws an Error whose `code` is the errno name and whose message is "what: strerror(err)". Returns NULL.
napi_value throw_errno(napi_env env, int err, const char *what);

// Rejects `deferred` with an Error whose `code` is the errno name of err (ENOMEM when 0) and whose message
// is `why` (strerror(err) when empty or NULL): how the async calls (BPF, sock_diag) report failures.
void reject_errno(napi_env env, napi_deferred deferred, int err, const char *why);

// Queues `execute` (on a libuv threadpool thread) then `complete` (on the main thread) with `data`, as the
// async work named `name` (for async_hooks): *work and *deferred are set for `complete` to resolve and delete.
// Returns the promise, or NULL with an exception pending when N-API failed (`data` is then the caller's).
napi_value queue_async(napi_env env, const char *name, napi_async_execute_callback execute,
                       napi_async_complete_callback complete, void *data, napi_async_work *work,
                       napi_deferred *deferred);

// Copies the Buffer `value` into *bytes (malloc'd, one spare byte; the caller frees it) and its length into
// *size, so that the copy outlives the call on a worker thread. Returns 0, EINVAL (not a Buffer) or ENOMEM.
int copy_buffer_arg(napi_env env, napi_value value, uint8_t **bytes, size_t *size);
// A typed array argument of type `want` (its elements and their number); false with EINVAL thrown otherwise.
bool typed_arg(napi_env env, napi_value value, napi_typedarray_type want, void **data, size_t *length);
// An integer argument from 0 to 2^32-1; false with EINVAL thrown otherwise.
bool uint32_arg(napi_env env, napi_value value, uint32_t *out);

typedef struct {
  uint8_t *data;
  size_t length;
  size_t capacity;
} bytes_t;

// Appends n bytes, growing the buffer (doubling). Returns 0, or -1 when out of memory.
int bytes_append(bytes_t *b, const void *src, size_t n);

// A NETLINK_SOCK_DIAG socket, opened inside the network namespace of nsPath when not NULL (setns on this
// thread, then straight back). Returns the fd, or -1 with *err set.
int open_diag_socket(const char *nsPath, int *err);

// A sock_diag dump's reply, gathered in a mapping of its own (see diag.c).
typedef struct {
  uint8_t *data;
  size_t length, capacity;
} reply_t;

// Sends one prepared request on fd with sequence number seq and gathers every reply message up to NLMSG_DONE
// into *out (buf: a scratch buffer of bufSize bytes for recv). Returns 0, or the errno (the kernel's answer).
int diag_dump(int fd, const uint8_t *request, size_t length, uint32_t seq, reply_t *out, uint8_t *buf,
              size_t bufSize);

// The reply as a Buffer (copied when small, else the mapping itself); *r no longer holds it afterwards.
napi_status reply_buffer(napi_env env, reply_t *r, napi_value *result);

napi_value SockDiag(napi_env env, napi_callback_info info);
napi_value SockDiagAsync(napi_env env, napi_callback_info info);
napi_value SockDestroy(napi_env env, napi_callback_info info);
napi_value DiagEventsOpen(napi_env env, napi_callback_info info);
napi_value NetTables(napi_env env, napi_callback_info info);
napi_value WalkFds(napi_env env, napi_callback_info info);
napi_value PidfdOpen(napi_env env, napi_callback_info info);
napi_value PidfdSendSignal(napi_env env, napi_callback_info info);
napi_status RegisterUnixDgram(napi_env env, napi_value exports);
napi_status RegisterTable(napi_env env, napi_value exports);
napi_status RegisterDiagColumns(napi_env env, napi_value exports);
napi_status RegisterOnePassColumns(napi_env env, napi_value exports);

// A listing's columns as the parsers into them take them (diag-columns.c): the 13 typed arrays of SocketColumns,
// in its order, and the distinct addresses of what is appended, numbered in the order first met.
#define COLUMNS 13
typedef struct {
  uint8_t *keys;   // count x 17: the family, then 16 bytes (IPv4 in the first 4)
  uint32_t *slots; // hash slots: number + 1, 0 empty
  uint32_t count, capacity, mask;
} addresses_t;
// The number of the address of `family` at `bytes` (4 or 16 bytes), added when new; UINT32_MAX without memory.
uint32_t address_number(addresses_t *a, uint8_t family, const uint8_t *bytes);
// The 13 arrays of `value` (an array) into columns[], checked against their types; *rows the shortest's
// length. False, with an EINVAL thrown, for anything else.
bool columns_arg(napi_env env, napi_value value, void *columns[COLUMNS], size_t *rows);
// The addresses' keys as a Buffer (what inetColumns returns), then frees them; NULL with ENOMEM thrown.
napi_value addresses_result(napi_env env, addresses_t *a, const char *what);
napi_status RegisterTableKeys(napi_env env, napi_value exports);
napi_value BpfOwners(napi_env env, napi_callback_info info);
napi_value BpfSockets(napi_env env, napi_callback_info info);
// Adds connectLoopOpen/Submit/Cancel/Ref/Close (scan.c) to exports. Returns 0, or -1 on failure.
int RegisterConnectLoop(napi_env env, napi_value exports);

#endif
