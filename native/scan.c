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
// A socket whose connect() was refused is kept (unconnected, at most SPARE_MAX per family) and
// reused by a later probe instead of closed: on loopback, where the kernel answers within the
// connect() call, that spares a socket() and a close() per closed port.
//
// This file is the N-API glue; scan-loop.c is the thread, scan-slots.c its table of probes (scan.h).
#include "scan.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>

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
  slots_free(&l->slots);
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
  int err = pthread_create(&l->thread, NULL, connect_loop_run, l);
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
