// The fd walk of /proc/PID/fd on the libuv threadpool (see portscope.c).
#include "common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

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

// Keeps the fd `fd` of `pid` that refers to socket `inode` (0: not a socket) when it is a wanted socket.
static void keep_inode(walk_t *w, uint32_t pid, uint32_t fd, uint32_t inode) {
  if (inode == 0) return;
  uint32_t *hit = NULL;
  if (w->wanted != NULL) {
    hit = bsearch(&inode, w->wanted, w->wantedCount, sizeof inode, cmp_u32);
    if (hit == NULL) return;
  }
  uint32_t triple[3] = {inode, pid, fd};
  if (bytes_append(&w->holders, triple, sizeof triple) != 0) w->error = ENOMEM;
  if (hit != NULL && !w->found[hit - w->wanted]) {
    w->found[hit - w->wanted] = 1;
    if (++w->foundCount == w->wantedCount) w->done = 1;
  }
}

// Keeps the fd `fd` of `pid` whose link is `link` (n bytes) when it is a wanted socket.
static void keep(walk_t *w, uint32_t pid, uint32_t fd, const char *link, ssize_t n) {
  keep_inode(w, pid, fd, socket_inode(link, n));
}

// Tables of at least this many open fds are read by number on two threads (walk_halves), in chunks of
// CHUNK_FDS numbers taken in turn, so that neither thread waits for the other nor runs past the table's end.
#define HALVES_FROM 4096
#define CHUNK_FDS 64

// What the two threads of walk_halves share: the next fd number to take, and how many fds were read.
typedef struct {
  int dir;
  uint32_t limit, open;
  atomic_uint next, seen;
} shared_walk_t;

// One thread of walk_halves: collects (fd, socket inode) pairs of the chunks it takes. NULL, or itself when out
// of memory.
typedef struct {
  shared_walk_t *shared;
  bytes_t pairs;
} half_t;

static void *walk_half(void *data) {
  half_t *h = data;
  shared_walk_t *s = h->shared;
  while (atomic_load(&s->seen) < s->open) {
    uint32_t fd = atomic_fetch_add(&s->next, CHUNK_FDS), end = fd + CHUNK_FDS;
    if (fd >= s->limit) break;
    for (; fd < end && fd < s->limit; fd++) {
      char name[16], link[64];
      snprintf(name, sizeof name, "%u", fd);
      ssize_t n = readlinkat(s->dir, name, link, sizeof link);
      if (n <= 0) continue; // no such fd
      atomic_fetch_add(&s->seen, 1);
      uint32_t pair[2] = {fd, socket_inode(link, n)};
      if (bytes_append(&h->pairs, pair, sizeof pair) != 0) return h;
    }
  }
  return NULL;
}

static int cmp_pair(const void *a, const void *b) {
  return cmp_u32(a, b); // by fd, the pair's first word
}

// walk_by_number's loop for a large table on two threads (the walk of one process with ~17,800 fds was ~45 ms
// of readlinkat on one core while the other sat idle), kept in fd order as one thread keeps them. Returns as
// walk_by_number; 0 when the second thread could not start.
static uint32_t walk_halves(walk_t *w, uint32_t pid, int dir, uint32_t open, uint32_t limit) {
  shared_walk_t shared = {dir, limit, open, 0, 0};
  half_t halves[2] = {{&shared, {0}}, {&shared, {0}}};
  pthread_t thread;
  if (pthread_create(&thread, NULL, walk_half, &halves[0]) != 0) return 0;
  void *failed = walk_half(&halves[1]), *failedToo = NULL;
  pthread_join(thread, &failedToo);
  bytes_t *more = &halves[1].pairs;
  if (failed != NULL || failedToo != NULL ||
      (more->length > 0 && bytes_append(&halves[0].pairs, more->data, more->length) != 0)) {
    w->error = ENOMEM;
  } else {
    uint32_t *pairs = (uint32_t *)halves[0].pairs.data;
    size_t count = halves[0].pairs.length / 8;
    qsort(pairs, count, 8, cmp_pair);
    for (size_t i = 0; i < count; i++) keep_inode(w, pid, pairs[2 * i], pairs[2 * i + 1]);
  }
  free(halves[0].pairs.data);
  free(halves[1].pairs.data);
  // Every open fd read, or every number below the limit tried (a sparse table: the listing reads the rest).
  return atomic_load(&shared.seen) >= open ? UINT32_MAX : limit;
}

// Reads fds 0, 1, 2... of the directory `dir` by number, without listing it (getdents makes the kernel
// build an entry per fd, which readlinkat then looks up: ~20% of the walk of a process with 17,800 fds),
// until as many as are open (its stat size, Linux 6.2+) have been read or twice that many numbers tried
// (a sparse table). Only for large tables: in small ones, often sparse, the numbers tried in vain cost more.
// Returns the first fd number not tried (0: none), or UINT32_MAX when every open fd was read.
static uint32_t walk_by_number(walk_t *w, uint32_t pid, int dir) {
  struct stat st;
  if (fstat(dir, &st) != 0 || st.st_size < 1024 || st.st_size > (1 << 24)) return 0;
  uint32_t open = (uint32_t)st.st_size, seen = 0, limit = 2 * open + 64, fd = 0;
  if (open >= HALVES_FROM && sysconf(_SC_NPROCESSORS_ONLN) > 1) {
    uint32_t tried = walk_halves(w, pid, dir, open, limit);
    if (tried != 0) return tried;
  }
  for (; seen < open && fd < limit; fd++) {
    char name[16], link[64];
    snprintf(name, sizeof name, "%u", fd);
    ssize_t n = readlinkat(dir, name, link, sizeof link);
    if (n <= 0) continue; // no such fd
    seen++;
    keep(w, pid, fd, link, n);
  }
  return seen == open ? UINT32_MAX : fd;
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
  // One slice only: several slices deal the listing's entries out by index.
  uint32_t tried = w->slices == 1 ? walk_by_number(w, pid, dir) : 0;
  if (tried == UINT32_MAX) {
    close(dir);
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
      uint32_t fd = (uint32_t)strtoul(d->d_name, NULL, 10);
      if (fd < tried) continue; // read by number already
      char link[64];
      ssize_t n = readlinkat(dir, d->d_name, link, sizeof link);
      if (n <= 0) continue; // closed between getdents and readlink
      keep(w, pid, fd, link, n);
    }
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
    reject_errno(env, w->deferred, w->error, "fd walk failed");
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

napi_value WalkFds(napi_env env, napi_callback_info info) {
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
  return queue_async(env, "portscope:walkFds", walk_execute, walk_complete, w, &w->work, &w->deferred);
}
