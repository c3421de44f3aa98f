// The TCP connect loop of `portscope scan` (see portscope.c): non-blocking connect() and epoll on a
// thread of its own, fed and read in batches by the JavaScript engine, which keeps every decision
// (what to probe, when, with which time-out, retries, window, rates). This file only does the
// system calls and measures each probe's round trip.
//
//   connectLoopOpen(onResults) -> handle
//     Starts the thread. onResults(Uint32Array) is called on the JS thread with records of 3 words:
//     [id, code, rttUs]; code 0 = connected (closed again at once with a reset), -1 = no answer
//     within its time-out, -2 = connected to itself (local address and port = the peer's), else
//     the errno (ECONNREFUSED, EHOSTUNREACH, EMFILE...). One record per probe, never for a
//     cancelled one, except that a probe that timed out keeps its socket open until it is
//     cancelled, and an answer that comes late gets a second record (a late answer still counts,
//     as nmap counts it: the caller retries meanwhile, and cancels the old probe when it is done
//     with it). Many records per call: the thread never waits for JavaScript.
//   connectLoopSubmit(handle, Buffer) -> undefined
//     Probes to start, PROBE_SIZE bytes each: u32 id, u32 timeoutUs, u16 port, u8 family (4|6),
//     u8 0, 16 address bytes (IPv4 in the first 4), host byte order for the numbers.
//   connectLoopCancel(handle, Uint32Array ids) -> undefined
//     Closes those probes' sockets (time-out decided elsewhere, --host-timeout, abort); no record.
//   connectLoopRef(handle, keepAlive) -> undefined
//     Whether the loop keeps the process alive: the caller sets it while probes are in flight, so
//     that an idle loop a caller forgot to close never holds the process.
//   connectLoopClose(handle) -> undefined
//     Closes every socket, stops and joins the thread: when it returns no probe socket is open.
//
// The time-out is counted from the connect() call on the thread, and a probe is timed out only after
// an epoll_wait that returned every event ready when it began: an answer already waiting always wins.
#include "common.h"

#include <netinet/in.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>

#define PROBE_SIZE 28
#define MAX_EVENTS 1024
#define CODE_TIMEOUT -1
#define CODE_SELF -2
#define NOT_IN_HEAP UINT32_MAX

typedef struct {
  uint32_t id;
  int fd; // -1: slot free
  uint64_t startedUs, deadlineUs;
  uint32_t heapIndex; // NOT_IN_HEAP once timed out: the socket lingers for a late answer
  struct sockaddr_storage peer;
  socklen_t peerLength;
} probe_t;

typedef struct {
  pthread_t thread;
  pthread_mutex_t lock;
  int epoll, wake;
  napi_threadsafe_function tsfn;
  // Guarded by lock: commands in, results out.
  bytes_t submitted, cancelled, outbox;
  int stopping, callPending;
  // The thread's own: probe slots (with a free list) and a min-heap of deadlines.
  probe_t *probes;
  uint32_t *freeSlots, *heap;
  uint32_t capacity, freeCount, heapCount;
  bytes_t results;
  // The JS thread's own: the thread has been joined, the threadsafe function released, and how many
  // of the handle and the threadsafe function still refer to this loop (freed at 0).
  int joined, released, refs;
} loop_t;

static uint64_t now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

// ---- deadline heap (slot indices keyed by deadlineUs) -----------------------------------------

static void heap_swap(loop_t *l, uint32_t a, uint32_t b) {
  uint32_t x = l->heap[a], y = l->heap[b];
  l->heap[a] = y;
  l->heap[b] = x;
  l->probes[y].heapIndex = a;
  l->probes[x].heapIndex = b;
}

static void heap_fix(loop_t *l, uint32_t i) {
  while (i > 0 && l->probes[l->heap[(i - 1) / 2]].deadlineUs > l->probes[l->heap[i]].deadlineUs) {
    heap_swap(l, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
  for (;;) {
    uint32_t least = i, left = 2 * i + 1, right = left + 1;
    if (left < l->heapCount && l->probes[l->heap[left]].deadlineUs < l->probes[l->heap[least]].deadlineUs) least = left;
    if (right < l->heapCount && l->probes[l->heap[right]].deadlineUs < l->probes[l->heap[least]].deadlineUs)
      least = right;
    if (least == i) return;
    heap_swap(l, i, least);
    i = least;
  }
}

static void heap_remove(loop_t *l, uint32_t slot) {
  uint32_t i = l->probes[slot].heapIndex;
  if (i == NOT_IN_HEAP) return;
  heap_swap(l, i, --l->heapCount);
  if (i < l->heapCount) heap_fix(l, i);
  l->probes[slot].heapIndex = NOT_IN_HEAP;
}

// ---- probes -------------------------------------------------------------------------------------

static void emit(loop_t *l, uint32_t id, int32_t code, uint64_t rttUs) {
  uint32_t record[3] = {id, (uint32_t)code, (uint32_t)(rttUs > UINT32_MAX ? UINT32_MAX : rttUs)};
  bytes_append(&l->results, record, sizeof record);
}

// Closes a probe's socket and frees its slot; `reset` sends a RST (SO_LINGER 0), so that neither side
// keeps TIME_WAIT after an open port.
static void finish(loop_t *l, uint32_t slot, int reset) {
  probe_t *p = &l->probes[slot];
  if (reset) {
    struct linger linger = {1, 0};
    setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
  }
  close(p->fd); // also leaves the epoll set
  p->fd = -1;
  heap_remove(l, slot);
  l->freeSlots[l->freeCount++] = slot;
}

static int grow(loop_t *l) {
  uint32_t capacity = l->capacity == 0 ? 1024 : l->capacity * 2;
  probe_t *probes = realloc(l->probes, capacity * sizeof *probes);
  if (probes == NULL) return -1;
  l->probes = probes;
  uint32_t *freeSlots = realloc(l->freeSlots, capacity * sizeof *freeSlots);
  if (freeSlots == NULL) return -1;
  l->freeSlots = freeSlots;
  uint32_t *heap = realloc(l->heap, capacity * sizeof *heap);
  if (heap == NULL) return -1;
  l->heap = heap;
  for (uint32_t i = capacity; i > l->capacity; i--) {
    l->probes[i - 1].fd = -1;
    l->freeSlots[l->freeCount++] = i - 1;
  }
  l->capacity = capacity;
  return 0;
}

// A connected socket: open, or connected to itself (the same address and port at both ends).
static void connected(loop_t *l, uint32_t slot, uint64_t now) {
  probe_t *p = &l->probes[slot];
  struct sockaddr_storage local;
  socklen_t length = sizeof local;
  int self = getsockname(p->fd, (struct sockaddr *)&local, &length) == 0 && length == p->peerLength &&
             (p->peer.ss_family == AF_INET
                  ? memcmp(&((struct sockaddr_in *)&local)->sin_addr, &((struct sockaddr_in *)&p->peer)->sin_addr, 4) == 0 &&
                        ((struct sockaddr_in *)&local)->sin_port == ((struct sockaddr_in *)&p->peer)->sin_port
                  : memcmp(&((struct sockaddr_in6 *)&local)->sin6_addr, &((struct sockaddr_in6 *)&p->peer)->sin6_addr,
                           16) == 0 &&
                        ((struct sockaddr_in6 *)&local)->sin6_port == ((struct sockaddr_in6 *)&p->peer)->sin6_port);
  emit(l, p->id, self ? CODE_SELF : 0, now - p->startedUs);
  // A reset for a self-connect too: it leaves no TIME_WAIT holding the port for the retry.
  finish(l, slot, 1);
}

static void start(loop_t *l, const uint8_t *record) {
  uint32_t id, timeoutUs;
  uint16_t port;
  memcpy(&id, record, 4);
  memcpy(&timeoutUs, record + 4, 4);
  memcpy(&port, record + 8, 2);
  int family = record[10] == 6 ? AF_INET6 : AF_INET;
  if (l->freeCount == 0 && grow(l) != 0) {
    emit(l, id, ENOMEM, 0);
    return;
  }
  uint32_t slot = l->freeSlots[l->freeCount - 1];
  probe_t *p = &l->probes[slot];
  memset(&p->peer, 0, sizeof p->peer);
  if (family == AF_INET) {
    struct sockaddr_in *a = (struct sockaddr_in *)&p->peer;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    memcpy(&a->sin_addr, record + 12, 4);
    p->peerLength = sizeof *a;
  } else {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&p->peer;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    memcpy(&a->sin6_addr, record + 12, 16);
    p->peerLength = sizeof *a;
  }
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    emit(l, id, errno, 0);
    return;
  }
  l->freeCount--;
  p->id = id;
  p->fd = fd;
  p->startedUs = now_us();
  p->deadlineUs = p->startedUs + timeoutUs;
  p->heapIndex = l->heapCount;
  l->heap[l->heapCount++] = slot;
  heap_fix(l, p->heapIndex);
  if (connect(fd, (struct sockaddr *)&p->peer, p->peerLength) == 0) {
    connected(l, slot, now_us());
    return;
  }
  int err = errno;
  struct epoll_event event = {.events = EPOLLOUT, .data.u32 = slot};
  if (err != EINPROGRESS || epoll_ctl(l->epoll, EPOLL_CTL_ADD, fd, &event) != 0) {
    emit(l, id, err == EINPROGRESS ? errno : err, now_us() - p->startedUs);
    finish(l, slot, 0);
  }
}

static void answered(loop_t *l, uint32_t slot, uint64_t now) {
  probe_t *p = &l->probes[slot];
  if (p->fd < 0) return;
  int err = 0;
  socklen_t length = sizeof err;
  if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &length) != 0) err = errno;
  if (err == 0) {
    connected(l, slot, now);
    return;
  }
  emit(l, p->id, err, now - p->startedUs);
  finish(l, slot, 0);
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static void cancel(loop_t *l, uint32_t *ids, size_t count) {
  qsort(ids, count, sizeof *ids, cmp_u32);
  for (uint32_t slot = 0; slot < l->capacity; slot++)
    if (l->probes[slot].fd >= 0 && bsearch(&l->probes[slot].id, ids, count, sizeof *ids, cmp_u32) != NULL)
      finish(l, slot, 0);
}

// ---- the thread ---------------------------------------------------------------------------------

static void *run(void *arg) {
  loop_t *l = arg;
  struct epoll_event events[MAX_EVENTS];
  bytes_t submitted = {0}, cancelled = {0};
  for (;;) {
    pthread_mutex_lock(&l->lock);
    int stopping = l->stopping;
    bytes_t s = l->submitted, c = l->cancelled;
    l->submitted = submitted;
    l->cancelled = cancelled;
    pthread_mutex_unlock(&l->lock);
    submitted = s;
    cancelled = c;
    if (stopping) break;
    // Starts first: a cancel can name a probe submitted in the same turn.
    for (size_t off = 0; off + PROBE_SIZE <= submitted.length; off += PROBE_SIZE) start(l, submitted.data + off);
    if (cancelled.length > 0) cancel(l, (uint32_t *)cancelled.data, cancelled.length / 4);
    submitted.length = cancelled.length = 0;

    uint64_t before = now_us();
    int timeoutMs = -1;
    if (l->results.length > 0) timeoutMs = 0;
    else if (l->heapCount > 0) {
      uint64_t top = l->probes[l->heap[0]].deadlineUs;
      timeoutMs = top <= before ? 0 : (int)((top - before + 999) / 1000);
    }
    int n = epoll_wait(l->epoll, events, MAX_EVENTS, timeoutMs);
    uint64_t now = now_us();
    for (int i = 0; i < n; i++) {
      if (events[i].data.u32 == UINT32_MAX) {
        uint64_t count;
        if (read(l->wake, &count, sizeof count) < 0) continue;
      } else {
        answered(l, events[i].data.u32, now);
      }
    }
    // Every event ready before `before` was returned (the set was not full): whatever is still
    // unanswered past its deadline got no answer in time.
    if (n < MAX_EVENTS) {
      while (l->heapCount > 0 && l->probes[l->heap[0]].deadlineUs <= before) {
        uint32_t slot = l->heap[0];
        emit(l, l->probes[slot].id, CODE_TIMEOUT, before - l->probes[slot].startedUs);
        heap_remove(l, slot); // the socket stays open (and in the epoll set) until cancelled

      }
    }
    if (l->results.length > 0) {
      pthread_mutex_lock(&l->lock);
      int call = !l->callPending;
      if (bytes_append(&l->outbox, l->results.data, l->results.length) == 0) l->results.length = 0;
      l->callPending = 1;
      pthread_mutex_unlock(&l->lock);
      if (call) napi_call_threadsafe_function(l->tsfn, NULL, napi_tsfn_nonblocking);
    }
  }
  for (uint32_t slot = 0; slot < l->capacity; slot++)
    if (l->probes[slot].fd >= 0) finish(l, slot, 0);
  free(submitted.data);
  free(cancelled.data);
  return NULL;
}

// On the JS thread: hands every result waiting in the outbox to onResults in one Uint32Array.
static void call_js(napi_env env, napi_value callback, void *context, void *data) {
  (void)data;
  loop_t *l = context;
  if (env == NULL) return;
  pthread_mutex_lock(&l->lock);
  bytes_t out = l->outbox;
  l->outbox = (bytes_t){0};
  l->callPending = 0;
  pthread_mutex_unlock(&l->lock);
  napi_value buffer, array, undefined;
  void *bytes;
  if (out.length > 0 && !l->joined && napi_create_arraybuffer(env, out.length, &bytes, &buffer) == napi_ok) {
    memcpy(bytes, out.data, out.length);
    if (napi_create_typedarray(env, napi_uint32_array, out.length / 4, buffer, 0, &array) == napi_ok &&
        napi_get_undefined(env, &undefined) == napi_ok)
      napi_call_function(env, undefined, callback, 1, &array, NULL);
  }
  free(out.data);
}

static void loop_unref(loop_t *l) {
  if (--l->refs > 0) return;
  free(l->submitted.data);
  free(l->cancelled.data);
  free(l->outbox.data);
  free(l->results.data);
  free(l->probes);
  free(l->freeSlots);
  free(l->heap);
  pthread_mutex_destroy(&l->lock);
  close(l->epoll);
  close(l->wake);
  free(l);
}

static void wake(loop_t *l) {
  uint64_t one = 1;
  if (write(l->wake, &one, sizeof one) < 0) { /* already signalled: the counter is non-zero */
  }
}

// Stops and joins the thread: every probe socket is closed when it returns.
static void loop_join(loop_t *l) {
  if (l->joined) return;
  pthread_mutex_lock(&l->lock);
  l->stopping = 1;
  pthread_mutex_unlock(&l->lock);
  wake(l);
  pthread_join(l->thread, NULL);
  l->joined = 1;
}

static void loop_release(loop_t *l) {
  loop_join(l);
  if (l->released) return;
  l->released = 1;
  napi_release_threadsafe_function(l->tsfn, napi_tsfn_release);
}

// The threadsafe function is gone (released, or its environment is torn down: a worker ends).
static void tsfn_gone(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  loop_t *l = data;
  loop_join(l);
  l->released = 1;
  loop_unref(l);
}

// The handle was collected: a loop nobody closed still stops.
static void handle_gone(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  loop_t *l = data;
  loop_release(l);
  loop_unref(l);
}

static loop_t *loop_of(napi_env env, napi_value value) {
  loop_t *l = NULL;
  if (napi_get_value_external(env, value, (void **)&l) != napi_ok || l == NULL) {
    napi_throw_error(env, "EINVAL", "connectLoop: expected a handle from connectLoopOpen");
    return NULL;
  }
  return l;
}

static napi_value ConnectLoopOpen(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], name, handle;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  loop_t *l = calloc(1, sizeof *l);
  if (l == NULL) return throw_errno(env, ENOMEM, "connectLoopOpen");
  l->epoll = epoll_create1(EPOLL_CLOEXEC);
  l->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  struct epoll_event event = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
  if (l->epoll < 0 || l->wake < 0 || epoll_ctl(l->epoll, EPOLL_CTL_ADD, l->wake, &event) != 0) {
    int err = errno;
    if (l->epoll >= 0) close(l->epoll);
    if (l->wake >= 0) close(l->wake);
    free(l);
    return throw_errno(env, err, "connectLoopOpen");
  }
  pthread_mutex_init(&l->lock, NULL);
  CHECK(env, napi_create_string_utf8(env, "portscope:connectLoop", NAPI_AUTO_LENGTH, &name));
  CHECK(env, napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, l, tsfn_gone, l, call_js, &l->tsfn));
  l->refs = 1;
  // The loop never keeps the process alive by itself; the scan closes it when it ends.
  CHECK(env, napi_unref_threadsafe_function(env, l->tsfn));
  int err = pthread_create(&l->thread, NULL, run, l);
  if (err != 0) {
    l->joined = 1;
    napi_release_threadsafe_function(l->tsfn, napi_tsfn_abort);
    return throw_errno(env, err, "connectLoopOpen: pthread_create");
  }
  CHECK(env, napi_create_external(env, l, handle_gone, NULL, &handle));
  l->refs++;
  return handle;
}

static napi_value ConnectLoopSubmit(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  loop_t *l = loop_of(env, argv[0]);
  if (l == NULL) return NULL;
  void *data;
  size_t length;
  CHECK(env, napi_get_buffer_info(env, argv[1], &data, &length));
  if (l->released) return throw_errno(env, EBADF, "connectLoopSubmit: the loop is closed");
  pthread_mutex_lock(&l->lock);
  int ok = bytes_append(&l->submitted, data, length - length % PROBE_SIZE) == 0;
  pthread_mutex_unlock(&l->lock);
  if (!ok) return throw_errno(env, ENOMEM, "connectLoopSubmit");
  wake(l);
  return NULL;
}

static napi_value ConnectLoopCancel(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  loop_t *l = loop_of(env, argv[0]);
  if (l == NULL) return NULL;
  napi_typedarray_type type;
  size_t count;
  void *ids;
  CHECK(env, napi_get_typedarray_info(env, argv[1], &type, &count, &ids, NULL, NULL));
  if (type != napi_uint32_array) return throw_errno(env, EINVAL, "connectLoopCancel: ids must be a Uint32Array");
  if (l->released) return NULL;
  pthread_mutex_lock(&l->lock);
  int ok = bytes_append(&l->cancelled, ids, count * 4) == 0;
  pthread_mutex_unlock(&l->lock);
  if (!ok) return throw_errno(env, ENOMEM, "connectLoopCancel");
  wake(l);
  return NULL;
}

static napi_value ConnectLoopRef(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  bool keepAlive = false;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  loop_t *l = loop_of(env, argv[0]);
  if (l == NULL) return NULL;
  CHECK(env, napi_get_value_bool(env, argv[1], &keepAlive));
  if (!l->released)
    CHECK(env, keepAlive ? napi_ref_threadsafe_function(env, l->tsfn) : napi_unref_threadsafe_function(env, l->tsfn));
  return NULL;
}

static napi_value ConnectLoopClose(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  loop_t *l = loop_of(env, argv[0]);
  if (l == NULL) return NULL;
  loop_release(l);
  return NULL;
}

int RegisterConnectLoop(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {{"connectLoopOpen", ConnectLoopOpen},
             {"connectLoopSubmit", ConnectLoopSubmit},
             {"connectLoopCancel", ConnectLoopCancel},
             {"connectLoopRef", ConnectLoopRef},
             {"connectLoopClose", ConnectLoopClose}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &fn) != napi_ok ||
        napi_set_named_property(env, exports, fns[i].name, fn) != napi_ok)
      return -1;
  }
  return 0;
}
