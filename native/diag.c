// sock_diag dumps and /proc/net tables, read inside a given network namespace (see portscope.c).
#include "common.h"

#include <sys/mman.h>

// ---- sock_diag ------------------------------------------------------------------------------

// A dump's reply (12.5 MB for 100k TCP sockets), gathered in a mapping of its own: transparent huge pages where
// the kernel allows them (madvise mode) take ~500 times fewer page faults to fill than 4 KB pages, and a large
// reply is handed to JavaScript as it is (an external Buffer the finalizer unmaps) instead of being copied into
// fresh memory, which faulted every page in a second time: on this VM those faults cost more than the dump.
#define REPLY_RESERVE (64u << 20)
#define HUGE_PAGE (2u << 20)
// Replies under this are copied into an ordinary Buffer (most namespaces' are a few KB).
#define REPLY_COPY_MAX (256u << 10)

static int reply_append(reply_t *r, const void *src, size_t n) {
  if (r->length + n > r->capacity) {
    size_t capacity = r->capacity == 0 ? REPLY_RESERVE : r->capacity;
    while (capacity < r->length + n) capacity *= 2;
    // Address space only: pages are faulted in as the reply is written.
    void *data = r->data == NULL
                     ? mmap(NULL, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
                     : mremap(r->data, r->capacity, capacity, MREMAP_MAYMOVE);
    if (data == MAP_FAILED) return -1;
    madvise(data, capacity, MADV_HUGEPAGE);
    r->data = data;
    r->capacity = capacity;
  }
  memcpy(r->data + r->length, src, n);
  r->length += n;
  return 0;
}

static void reply_unmap(napi_env env, void *data, void *hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

// The reply as a Buffer: copied when small, else the mapping itself (trimmed to whole huge pages), which the
// Buffer then owns. Either way *r no longer holds it.
napi_status reply_buffer(napi_env env, reply_t *r, napi_value *result) {
  if (r->length < REPLY_COPY_MAX) {
    napi_status status = napi_create_buffer_copy(env, r->length, r->data, NULL, result);
    if (r->data != NULL) munmap(r->data, r->capacity);
    *r = (reply_t){0};
    return status;
  }
  size_t size = (r->length + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
  if (size < r->capacity && mremap(r->data, r->capacity, size, 0) != MAP_FAILED) r->capacity = size;
  napi_status status =
      napi_create_external_buffer(env, r->length, r->data, reply_unmap, (void *)(uintptr_t)r->capacity, result);
  if (status != napi_ok) munmap(r->data, r->capacity);
  *r = (reply_t){0};
  return status;
}

// Moves this thread into the network namespace of nsPath. Returns an fd of the namespace it was in
// (for leave_netns), or -1 with *err set.
static int enter_netns(const char *nsPath, int *err) {
  int original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original < 0) return *err = errno, -1;
  int target = open(nsPath, O_RDONLY | O_CLOEXEC);
  if (target < 0 || setns(target, CLONE_NEWNET) != 0) {
    *err = errno;
    if (target >= 0) close(target);
    close(original);
    return -1;
  }
  close(target);
  return original;
}

// Returns this thread to the namespace of enter_netns's fd, and closes it.
static void leave_netns(int original) {
  // The main thread must never stay in another namespace: abort rather than go on there.
  if (setns(original, CLONE_NEWNET) != 0) abort();
  close(original);
}

// A netlink socket for sock_diag, opened inside the namespace of nsPath (NULL: this thread's own).
int open_diag_socket(const char *nsPath, int *err) {
  int original = nsPath == NULL ? -1 : enter_netns(nsPath, err);
  if (nsPath != NULL && original < 0) return -1;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) *err = errno;
  if (original >= 0) leave_netns(original);
  return fd;
}

// Sends one request and collects every reply message up to NLMSG_DONE. Returns 0, or the errno.
int diag_dump(int fd, const uint8_t *request, size_t length, uint32_t seq, reply_t *out, uint8_t *buf,
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
      // A dump ends with NLMSG_DONE, whose payload is an int: 0, or -errno when the dump failed.
      // A missing diag handler (raw_diag not built) answers -ENOENT this way, not with NLMSG_ERROR.
      if (h->nlmsg_type == NLMSG_DONE) {
        int status = 0;
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof status)) memcpy(&status, NLMSG_DATA(h), sizeof status);
        return status < 0 ? -status : 0;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = NLMSG_DATA(h);
        return h->nlmsg_len >= NLMSG_LENGTH(sizeof *e) && e->error != 0 ? -e->error : EPROTO;
      }
      if (reply_append(out, h, NLMSG_ALIGN(h->nlmsg_len)) != 0) return ENOMEM;
    }
  }
}

napi_value SockDiag(napi_env env, napi_callback_info info) {
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
    reply_t out = {0};
    int failed = diag_dump(fd, request, length, i + 1, &out, buf, bufSize);
    napi_status status;
    if (failed != 0) {
      if (out.data != NULL) munmap(out.data, out.capacity);
      status = napi_create_string_utf8(env, errno_name(failed), NAPI_AUTO_LENGTH, &result);
    } else {
      status = reply_buffer(env, &out, &result);
    }
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

// ---- /proc/net tables of a namespace with no process in it -------------------------------------

// Reads a whole file into out. Returns 0 or the errno.
static int read_all(int fd, bytes_t *out, uint8_t *buf, size_t bufSize) {
  for (;;) {
    ssize_t got = read(fd, buf, bufSize);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return errno;
    if (got == 0) return 0;
    if (bytes_append(out, buf, (size_t)got) != 0) return ENOMEM;
  }
}

napi_value NetTables(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char nsPath[4096];
  size_t n;
  uint32_t count;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], nsPath, sizeof nsPath, &n) != napi_ok ||
      napi_get_array_length(env, argv[1], &count) != napi_ok)
    return throw_errno(env, EINVAL, "netTables: expected (netnsPath, files)");
  napi_value results;
  CHECK(env, napi_create_array_with_length(env, count, &results));
  size_t bufSize = 1 << 16;
  uint8_t *buf = malloc(bufSize);
  if (buf == NULL) return throw_errno(env, ENOMEM, "netTables");
  int err = 0;
  int original = enter_netns(nsPath, &err);
  if (original < 0) {
    free(buf);
    return throw_errno(env, err, "netTables: setns");
  }
  // /proc/thread-self/net is this thread's namespace's; a table is bound to it when opened, but
  // everything is read before leaving, so that no JavaScript runs while this thread is elsewhere.
  for (uint32_t i = 0; i < count && err == 0; i++) {
    napi_value element, result;
    char file[64], path[128];
    if (napi_get_element(env, argv[1], i, &element) != napi_ok ||
        napi_get_value_string_utf8(env, element, file, sizeof file, &n) != napi_ok || strchr(file, '/') != NULL) {
      err = EINVAL;
      break;
    }
    snprintf(path, sizeof path, "/proc/thread-self/net/%s", file);
    bytes_t out = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int failed = fd < 0 ? errno : read_all(fd, &out, buf, bufSize);
    if (fd >= 0) close(fd);
    napi_status status = failed != 0 ? napi_create_string_utf8(env, errno_name(failed), NAPI_AUTO_LENGTH, &result)
                                     : napi_create_buffer_copy(env, out.length, out.data, NULL, &result);
    free(out.data);
    if (status != napi_ok || napi_set_element(env, results, i, result) != napi_ok) err = ENOMEM;
  }
  leave_netns(original);
  free(buf);
  if (err != 0) return throw_errno(env, err, "netTables");
  return results;
}
