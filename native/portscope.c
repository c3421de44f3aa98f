// portscope's native part: the two system calls procfs makes slow, the pidfd calls Node lacks, and
// nothing else.
//
//   sockDiag(netnsPath, requests) -> (Buffer | string)[]
//     Sends each prepared sock_diag request (NETLINK_SOCK_DIAG, built and parsed in TypeScript)
//     and returns the raw reply messages of each, or the errno name when the kernel refused it
//     (ENOENT: no such diag module). With netnsPath, the netlink socket is opened inside that
//     network namespace (setns on this thread, then straight back).
//
//   walkFds(pids, slice, slices, wanted?) -> Promise<{ holders: Uint32Array, denied: Uint32Array, gone: Uint32Array }>
//     With `wanted` (a sorted Uint32Array of socket inodes), only those are kept, and the walk stops
//     as soon as each has been seen once (the caller looks for further co-owners itself).
//     On the libuv threadpool: for each pid, readlinkat every entry of /proc/PID/fd (entry i taken
//     when i % slices == slice) and keep `socket:[inode]` ones as flat [inode, pid, fd] triples.
//
//   sockDestroy(netnsPath, request) -> undefined | errno name
//     SOCK_DESTROY of one socket (ss -K), see below.
//
//   diagEventsOpen(groups) -> fd
//     A netlink socket that receives sockets as they are destroyed (ss -E), see below.
//
//   pidfdOpen(pid) -> fd;  pidfdSendSignal(fd, signo) -> undefined
//     pidfd_open(2) and pidfd_send_signal(2) (Linux 5.3): a pidfd names one process, not a pid, so a
//     signal sent through it can never reach another process that reused the pid. Close the fd
//     with fs.closeSync.
//
// Errors are thrown with `code` set to the errno name (EPERM, EACCES...). Parsing stays in TypeScript.
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

static const char *errno_name(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *name = strerrorname_np(err);
  if (name != NULL) return name;
#endif
  return "EUNKNOWN";
}

static napi_value throw_errno(napi_env env, int err, const char *what) {
  char message[512];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, errno_name(err), message);
  return NULL;
}

// ---- growable byte buffer -------------------------------------------------------------------

typedef struct {
  uint8_t *data;
  size_t length;
  size_t capacity;
} bytes_t;

static int bytes_append(bytes_t *b, const void *src, size_t n) {
  if (b->length + n > b->capacity) {
    size_t capacity = b->capacity == 0 ? 1 << 16 : b->capacity;
    while (capacity < b->length + n) capacity *= 2;
    uint8_t *data = realloc(b->data, capacity);
    if (data == NULL) return -1;
    b->data = data;
    b->capacity = capacity;
  }
  memcpy(b->data + b->length, src, n);
  b->length += n;
  return 0;
}

// ---- sock_diag ------------------------------------------------------------------------------

// A netlink socket for sock_diag, opened inside the namespace of nsPath (NULL: this thread's own).
static int open_diag_socket(const char *nsPath, int *err) {
  if (nsPath == NULL) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) *err = errno;
    return fd;
  }
  int original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original < 0) return *err = errno, -1;
  int target = open(nsPath, O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    *err = errno;
    close(original);
    return -1;
  }
  int fd = -1;
  if (setns(target, CLONE_NEWNET) != 0) {
    *err = errno;
  } else {
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) *err = errno;
    // The main thread must never stay in another namespace: abort rather than go on there.
    if (setns(original, CLONE_NEWNET) != 0) abort();
  }
  close(target);
  close(original);
  return fd;
}

// Sends one request and collects every reply message up to NLMSG_DONE. Returns 0, or the errno.
static int diag_dump(int fd, const uint8_t *request, size_t length, uint32_t seq, bytes_t *out, uint8_t *buf,
                     size_t bufSize) {
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (length < sizeof(struct nlmsghdr)) return EINVAL;
  uint8_t *copy = malloc(length);
  if (copy == NULL) return ENOMEM;
  memcpy(copy, request, length);
  ((struct nlmsghdr *)copy)->nlmsg_seq = seq;
  ssize_t sent = sendto(fd, copy, length, 0, (struct sockaddr *)&kernel, sizeof kernel);
  free(copy);
  if (sent < 0) return errno;
  for (;;) {
    ssize_t got = recv(fd, buf, bufSize, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (got == 0) return EPROTO;
    size_t left = (size_t)got;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_seq != seq) continue;
      if (h->nlmsg_type == NLMSG_DONE) return 0;
      if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = NLMSG_DATA(h);
        return h->nlmsg_len >= NLMSG_LENGTH(sizeof *e) && e->error != 0 ? -e->error : EPROTO;
      }
      if (bytes_append(out, h, NLMSG_ALIGN(h->nlmsg_len)) != 0) return ENOMEM;
    }
  }
}

static napi_value SockDiag(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype pathType;
  CHECK(env, napi_typeof(env, argv[0], &pathType));
  char nsPath[4096];
  if (pathType == napi_string) {
    size_t n;
    CHECK(env, napi_get_value_string_utf8(env, argv[0], nsPath, sizeof nsPath, &n));
  }
  uint32_t count;
  CHECK(env, napi_get_array_length(env, argv[1], &count));

  int err = 0;
  int fd = open_diag_socket(pathType == napi_string ? nsPath : NULL, &err);
  if (fd < 0) return throw_errno(env, err, "sock_diag socket");

  size_t bufSize = 1 << 16;
  uint8_t *buf = malloc(bufSize);
  napi_value results;
  if (buf == NULL || napi_create_array_with_length(env, count, &results) != napi_ok) {
    free(buf);
    close(fd);
    return throw_errno(env, ENOMEM, "sock_diag");
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value element, result;
    void *request;
    size_t length;
    if (napi_get_element(env, argv[1], i, &element) != napi_ok ||
        napi_get_buffer_info(env, element, &request, &length) != napi_ok) {
      err = EINVAL;
      break;
    }
    bytes_t out = {0};
    int failed = diag_dump(fd, request, length, i + 1, &out, buf, bufSize);
    napi_status status = failed != 0 ? napi_create_string_utf8(env, errno_name(failed), NAPI_AUTO_LENGTH, &result)
                                     : napi_create_buffer_copy(env, out.length, out.data, NULL, &result);
    free(out.data);
    if (status != napi_ok || napi_set_element(env, results, i, result) != napi_ok) {
      err = ENOMEM;
      break;
    }
    // After a failed dump the socket may hold the rest of that reply: use a fresh one.
    if (failed != 0 && i + 1 < count) {
      close(fd);
      fd = open_diag_socket(pathType == napi_string ? nsPath : NULL, &err);
      if (fd < 0) break;
    }
  }
  free(buf);
  if (fd >= 0) close(fd);
  if (err != 0) return throw_errno(env, err, "sock_diag");
  return results;
}

// ---- SOCK_DESTROY --------------------------------------------------------------------------------

// sockDestroy(netnsPath, request) -> undefined | errno name
//   Sends one prepared SOCK_DESTROY request (an inet_diag_req_v2 naming one socket, built in TypeScript)
//   with NLM_F_ACK and returns undefined when the kernel closed the socket, or the errno name of its answer
//   (EOPNOTSUPP: no CONFIG_INET_DIAG_DESTROY or a protocol that cannot be destroyed; ENOENT: gone; EPERM).
//   Self-contained on purpose: it shares only open_diag_socket with the dump code.
static napi_value SockDestroy(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return throw_errno(env, EINVAL, "sockDestroy: expected (netnsPath, request)");
  napi_valuetype pathType;
  CHECK(env, napi_typeof(env, argv[0], &pathType));
  char nsPath[4096];
  if (pathType == napi_string) {
    size_t n;
    CHECK(env, napi_get_value_string_utf8(env, argv[0], nsPath, sizeof nsPath, &n));
  }
  void *request;
  size_t length;
  CHECK(env, napi_get_buffer_info(env, argv[1], &request, &length));
  if (length < sizeof(struct nlmsghdr)) return throw_errno(env, EINVAL, "sockDestroy: request too short");

  int err = 0;
  int fd = open_diag_socket(pathType == napi_string ? nsPath : NULL, &err);
  if (fd < 0) return throw_errno(env, err, "sock_diag socket");
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  int answer = EPROTO;
  if (sendto(fd, request, length, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
    answer = errno;
  } else {
    uint8_t buf[8192];
    for (;;) {
      ssize_t got = recv(fd, buf, sizeof buf, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) answer = errno;
      size_t left = got < 0 ? 0 : (size_t)got;
      struct nlmsghdr *h = (struct nlmsghdr *)buf;
      if (NLMSG_OK(h, left) && h->nlmsg_type == NLMSG_ERROR &&
          h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
        answer = -((const struct nlmsgerr *)NLMSG_DATA(h))->error;
      }
      break;
    }
  }
  close(fd);
  if (answer == 0) return NULL;
  napi_value result;
  CHECK(env, napi_create_string_utf8(env, errno_name(answer), NAPI_AUTO_LENGTH, &result));
  return result;
}

// ---- sock_diag destroy events ---------------------------------------------------------------------

// diagEventsOpen(groups) -> fd
//   A NETLINK_SOCK_DIAG socket of this namespace bound to the multicast `groups` bit mask (bit N-1 for
//   SKNLGRP_INET_TCP_DESTROY = 1, INET_UDP_DESTROY = 2, INET6_TCP_DESTROY = 3, INET6_UDP_DESTROY = 4): every
//   read(2) of it returns the inet_diag messages of sockets as they are destroyed (ss -E). Reads time out
//   after 250 ms (EAGAIN) so that a reader can stop; close it with fs.closeSync. Needs CAP_NET_ADMIN.
static napi_value DiagEventsOpen(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  uint32_t groups;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_uint32(env, argv[0], &groups) != napi_ok)
    return throw_errno(env, EINVAL, "diagEventsOpen: expected a group mask");
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return throw_errno(env, errno, "sock_diag socket");
  struct timeval timeout = {.tv_sec = 0, .tv_usec = 250000};
  struct sockaddr_nl local = {.nl_family = AF_NETLINK, .nl_groups = groups};
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0 ||
      bind(fd, (struct sockaddr *)&local, sizeof local) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "sock_diag events");
  }
  napi_value result;
  CHECK(env, napi_create_int32(env, fd, &result));
  return result;
}

// ---- fd walk --------------------------------------------------------------------------------

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  uint32_t *pids;
  uint32_t pidCount;
  uint32_t slice, slices;
  bytes_t holders, denied, gone;
  int error;
  uint32_t *wanted; // sorted; NULL: keep every socket, walk everything
  uint8_t *found;
  uint32_t wantedCount, foundCount;
  int done;
} walk_t;

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

struct linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// Parses "socket:[123]" into 123; 0 when the link is not a socket.
static uint32_t socket_inode(const char *link, ssize_t n) {
  if (n < 10 || memcmp(link, "socket:[", 8) != 0 || link[n - 1] != ']') return 0;
  uint32_t inode = 0;
  for (ssize_t i = 8; i < n - 1; i++) inode = inode * 10 + (uint32_t)(link[i] - '0');
  return inode;
}

static void walk_one(walk_t *w, uint32_t pid, uint8_t *buf, size_t bufSize) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%u/fd", pid);
  int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    bytes_t *list = errno == EACCES || errno == EPERM ? &w->denied : &w->gone;
    if (bytes_append(list, &pid, sizeof pid) != 0) w->error = ENOMEM;
    return;
  }
  uint64_t index = 0;
  for (;;) {
    long got = syscall(SYS_getdents64, dir, buf, bufSize);
    if (got <= 0) break;
    for (long off = 0; off < got;) {
      struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
      off += d->d_reclen;
      if (d->d_name[0] < '0' || d->d_name[0] > '9') continue;
      if (index++ % w->slices != w->slice) continue;
      char link[64];
      ssize_t n = readlinkat(dir, d->d_name, link, sizeof link);
      if (n <= 0) continue; // closed between getdents and readlink
      uint32_t inode = socket_inode(link, n);
      if (inode == 0) continue;
      uint32_t *hit = NULL;
      if (w->wanted != NULL) {
        hit = bsearch(&inode, w->wanted, w->wantedCount, sizeof inode, cmp_u32);
        if (hit == NULL) continue;
      }
      uint32_t triple[3] = {inode, pid, (uint32_t)strtoul(d->d_name, NULL, 10)};
      if (bytes_append(&w->holders, triple, sizeof triple) != 0) w->error = ENOMEM;
      if (hit != NULL && !w->found[hit - w->wanted]) {
        w->found[hit - w->wanted] = 1;
        if (++w->foundCount == w->wantedCount) w->done = 1;
      }
      if (w->done) break;
    }
    if (w->done) break;
  }
  close(dir);
}

static void walk_execute(napi_env env, void *data) {
  (void)env;
  walk_t *w = data;
  size_t bufSize = 1 << 16;
  uint8_t *buf = malloc(bufSize);
  if (buf == NULL) {
    w->error = ENOMEM;
    return;
  }
  for (uint32_t i = 0; i < w->pidCount && w->error == 0 && !w->done; i++) walk_one(w, w->pids[i], buf, bufSize);
  free(buf);
}

static napi_value typed_u32(napi_env env, const bytes_t *b) {
  napi_value arrayBuffer, array;
  void *data;
  if (napi_create_arraybuffer(env, b->length, &data, &arrayBuffer) != napi_ok) return NULL;
  if (b->length > 0) memcpy(data, b->data, b->length);
  if (napi_create_typedarray(env, napi_uint32_array, b->length / 4, arrayBuffer, 0, &array) != napi_ok) return NULL;
  return array;
}

static void walk_complete(napi_env env, napi_status status, void *data) {
  walk_t *w = data;
  napi_value result = NULL, holders, denied, gone;
  if (status == napi_ok && w->error == 0 && napi_create_object(env, &result) == napi_ok &&
      (holders = typed_u32(env, &w->holders)) != NULL && (denied = typed_u32(env, &w->denied)) != NULL &&
      (gone = typed_u32(env, &w->gone)) != NULL) {
    napi_set_named_property(env, result, "holders", holders);
    napi_set_named_property(env, result, "denied", denied);
    napi_set_named_property(env, result, "gone", gone);
    napi_resolve_deferred(env, w->deferred, result);
  } else {
    napi_value code, message, error;
    napi_create_string_utf8(env, errno_name(w->error == 0 ? ENOMEM : w->error), NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, "fd walk failed", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, code, message, &error);
    napi_reject_deferred(env, w->deferred, error);
  }
  napi_delete_async_work(env, w->work);
  free(w->holders.data);
  free(w->denied.data);
  free(w->gone.data);
  free(w->pids);
  free(w->wanted);
  free(w->found);
  free(w);
}

static napi_value WalkFds(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return throw_errno(env, EINVAL, "walkFds: expected (pids, slice, slices, wanted?)");
  napi_typedarray_type type;
  size_t length;
  void *data;
  CHECK(env, napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL));
  if (type != napi_uint32_array) return throw_errno(env, EINVAL, "walkFds: pids must be a Uint32Array");
  walk_t *w = calloc(1, sizeof *w);
  if (w == NULL) return throw_errno(env, ENOMEM, "walkFds");
  CHECK(env, napi_get_value_uint32(env, argv[1], &w->slice));
  CHECK(env, napi_get_value_uint32(env, argv[2], &w->slices));
  if (w->slices == 0 || w->slice >= w->slices) {
    free(w);
    return throw_errno(env, EINVAL, "walkFds: slice must be below slices");
  }
  w->pids = malloc(length * sizeof(uint32_t) + 1);
  if (w->pids == NULL) {
    free(w);
    return throw_errno(env, ENOMEM, "walkFds");
  }
  memcpy(w->pids, data, length * sizeof(uint32_t));
  w->pidCount = (uint32_t)length;
  napi_valuetype kind = napi_undefined;
  if (argc >= 4) CHECK(env, napi_typeof(env, argv[3], &kind));
  if (kind == napi_object) {
    size_t count;
    void *wanted;
    CHECK(env, napi_get_typedarray_info(env, argv[3], &type, &count, &wanted, NULL, NULL));
    if (type != napi_uint32_array) {
      free(w->pids);
      free(w);
      return throw_errno(env, EINVAL, "walkFds: wanted must be a Uint32Array");
    }
    w->wanted = malloc(count * sizeof(uint32_t) + 1);
    w->found = calloc(count + 1, 1);
    if (w->wanted == NULL || w->found == NULL) {
      free(w->wanted);
      free(w->found);
      free(w->pids);
      free(w);
      return throw_errno(env, ENOMEM, "walkFds");
    }
    memcpy(w->wanted, wanted, count * sizeof(uint32_t));
    qsort(w->wanted, count, sizeof(uint32_t), cmp_u32);
    w->wantedCount = (uint32_t)count;
    w->done = count == 0;
  }
  napi_value promise, name;
  CHECK(env, napi_create_promise(env, &w->deferred, &promise));
  CHECK(env, napi_create_string_utf8(env, "portscope:walkFds", NAPI_AUTO_LENGTH, &name));
  CHECK(env, napi_create_async_work(env, NULL, name, walk_execute, walk_complete, w, &w->work));
  CHECK(env, napi_queue_async_work(env, w->work));
  return promise;
}

// ---- pidfd --------------------------------------------------------------------------------------

static napi_value PidfdOpen(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t pid;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &pid) != napi_ok || pid <= 0)
    return throw_errno(env, EINVAL, "pidfdOpen: expected a pid");
#ifdef SYS_pidfd_open
  long fd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
  if (fd < 0) return throw_errno(env, errno, "pidfd_open");
  napi_value result;
  CHECK(env, napi_create_int32(env, (int32_t)fd, &result));
  return result;
#else
  return throw_errno(env, ENOSYS, "pidfd_open");
#endif
}

static napi_value PidfdSendSignal(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd, signo;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_value_int32(env, argv[1], &signo) != napi_ok || fd < 0 || signo < 0)
    return throw_errno(env, EINVAL, "pidfdSendSignal: expected (fd, signal number)");
#ifdef SYS_pidfd_send_signal
  if (syscall(SYS_pidfd_send_signal, fd, signo, NULL, 0) != 0) return throw_errno(env, errno, "pidfd_send_signal");
  return NULL;
#else
  return throw_errno(env, ENOSYS, "pidfd_send_signal");
#endif
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "sockDiag", NAPI_AUTO_LENGTH, SockDiag, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "sockDiag", fn) != napi_ok ||
      napi_create_function(env, "walkFds", NAPI_AUTO_LENGTH, WalkFds, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "walkFds", fn) != napi_ok ||
      napi_create_function(env, "pidfdOpen", NAPI_AUTO_LENGTH, PidfdOpen, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "pidfdOpen", fn) != napi_ok ||
      napi_create_function(env, "pidfdSendSignal", NAPI_AUTO_LENGTH, PidfdSendSignal, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "pidfdSendSignal", fn) != napi_ok ||
      napi_create_function(env, "sockDestroy", NAPI_AUTO_LENGTH, SockDestroy, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "sockDestroy", fn) != napi_ok ||
      napi_create_function(env, "diagEventsOpen", NAPI_AUTO_LENGTH, DiagEventsOpen, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "diagEventsOpen", fn) != napi_ok)
    return NULL;
  return exports;
}
