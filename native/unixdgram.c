// Unix datagram sockets (AF_UNIX, SOCK_DGRAM) for `nc -U -u`: Node's dgram module has none.
//
//   unixDgramOpen(bindPath | null, connectPath | null) -> fd
//     A non-blocking socket, bound to bindPath (a listener's path, or a client's own path so that
//     the peer can answer) and connected to connectPath when given. A path starting with '@' is a
//     Linux abstract name.
//   unixDgramRecv(fd) -> { data: Buffer, from: string } | null
//     One datagram and its sender's path ('' for an unbound sender), or null when none is queued.
//   unixDgramSend(fd, data, toPath | null) -> undefined | errno name (EAGAIN: the peer's queue is full)
//   unixDgramConnect(fd, path) -> undefined
//   unixDgramWatch(fd, callback) -> handle: calls callback() on the event loop whenever fd is readable.
//   unixDgramUnwatch(handle): stops it. Close the fd itself with fs.closeSync after unwatching.
#include "common.h"

#include <stddef.h>
#include <sys/un.h>
#include <uv.h>

// sockaddr_un of a path or '@abstract' name; returns its length, or 0 when the path is too long.
static socklen_t unix_address(const char *path, struct sockaddr_un *sun) {
  size_t n = strlen(path);
  memset(sun, 0, sizeof(*sun));
  sun->sun_family = AF_UNIX;
  if (n == 0 || n >= sizeof(sun->sun_path)) return 0;
  memcpy(sun->sun_path, path, n);
  if (path[0] == '@') sun->sun_path[0] = '\0';  // abstract: no NUL terminator counted
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '@' ? 0 : 1));
}

// The argument as a C string (NULL for null/undefined), in buf.
static int path_arg(napi_env env, napi_value v, char *buf, size_t size, int *given) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return -1;
  *given = t == napi_string;
  if (!*given) return 0;
  size_t len;
  return napi_get_value_string_utf8(env, v, buf, size, &len) == napi_ok ? 0 : -1;
}

static napi_value UnixDgramOpen(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char bindPath[110], connectPath[110];
  int hasBind = 0, hasConnect = 0;
  if (argc < 2 || path_arg(env, argv[0], bindPath, sizeof bindPath, &hasBind) != 0 ||
      path_arg(env, argv[1], connectPath, sizeof connectPath, &hasConnect) != 0) {
    napi_throw_type_error(env, "EINVAL", "unixDgramOpen(bindPath | null, connectPath | null)");
    return NULL;
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  struct sockaddr_un sun;
  socklen_t len;
  if (hasBind) {
    if ((len = unix_address(bindPath, &sun)) == 0 || bind(fd, (struct sockaddr *)&sun, len) != 0) {
      int err = len == 0 ? ENAMETOOLONG : errno;
      close(fd);
      return throw_errno(env, err, "bind");
    }
  }
  if (hasConnect) {
    if ((len = unix_address(connectPath, &sun)) == 0 || connect(fd, (struct sockaddr *)&sun, len) != 0) {
      int err = len == 0 ? ENAMETOOLONG : errno;
      if (hasBind && bindPath[0] != '@') unlink(bindPath);
      close(fd);
      return throw_errno(env, err, "connect");
    }
  }
  napi_value result;
  CHECK(env, napi_create_int32(env, fd, &result));
  return result;
}

static napi_value UnixDgramConnect(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  char path[110];
  int has = 0;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      path_arg(env, argv[1], path, sizeof path, &has) != 0 || !has) {
    napi_throw_type_error(env, "EINVAL", "unixDgramConnect(fd, path)");
    return NULL;
  }
  struct sockaddr_un sun;
  socklen_t len = unix_address(path, &sun);
  if (len == 0) return throw_errno(env, ENAMETOOLONG, "connect");
  if (connect(fd, (struct sockaddr *)&sun, len) != 0) return throw_errno(env, errno, "connect");
  return NULL;
}

static napi_value UnixDgramRecv(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "unixDgramRecv(fd)");
    return NULL;
  }
  static uint8_t buf[65536];
  struct sockaddr_un from;
  socklen_t fromLen = sizeof from;
  ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fromLen);
  napi_value result;
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      CHECK(env, napi_get_null(env, &result));
      return result;
    }
    return throw_errno(env, errno, "recvfrom");
  }
  char path[110] = "";
  size_t pathLen = fromLen > offsetof(struct sockaddr_un, sun_path) ? fromLen - offsetof(struct sockaddr_un, sun_path) : 0;
  if (pathLen > 0) {
    if (pathLen > sizeof from.sun_path) pathLen = sizeof from.sun_path;
    if (from.sun_path[0] == '\0') {
      path[0] = '@';
      memcpy(path + 1, from.sun_path + 1, pathLen - 1);
      path[pathLen] = '\0';
    } else {
      memcpy(path, from.sun_path, pathLen);
      path[pathLen] = '\0';
    }
  }
  napi_value data, sender;
  void *copy;
  CHECK(env, napi_create_buffer_copy(env, (size_t)n, buf, &copy, &data));
  CHECK(env, napi_create_string_utf8(env, path, strlen(path), &sender));
  CHECK(env, napi_create_object(env, &result));
  CHECK(env, napi_set_named_property(env, result, "data", data));
  CHECK(env, napi_set_named_property(env, result, "from", sender));
  return result;
}

static napi_value UnixDgramSend(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  void *data;
  size_t size;
  char path[110];
  int has = 0;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_buffer_info(env, argv[1], &data, &size) != napi_ok ||
      path_arg(env, argv[2], path, sizeof path, &has) != 0) {
    napi_throw_type_error(env, "EINVAL", "unixDgramSend(fd, buffer, toPath | null)");
    return NULL;
  }
  ssize_t n;
  if (has) {
    struct sockaddr_un sun;
    socklen_t len = unix_address(path, &sun);
    if (len == 0) return throw_errno(env, ENAMETOOLONG, "sendto");
    n = sendto(fd, data, size, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&sun, len);
  } else {
    n = send(fd, data, size, MSG_DONTWAIT | MSG_NOSIGNAL);
  }
  if (n >= 0) return NULL;
  napi_value name;
  const char *e = errno_name(errno);
  CHECK(env, napi_create_string_utf8(env, e, strlen(e), &name));
  return name;
}

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
} watch_t;

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)status;
  (void)events;
  watch_t *w = handle->data;
  napi_handle_scope scope;
  if (napi_open_handle_scope(w->env, &scope) != napi_ok) return;
  napi_value callback, recv;
  if (napi_get_reference_value(w->env, w->callback, &callback) == napi_ok &&
      napi_get_global(w->env, &recv) == napi_ok)
    napi_make_callback(w->env, w->context, recv, callback, 0, NULL, NULL);
  napi_close_handle_scope(w->env, scope);
}

static void on_closed(uv_handle_t *handle) {
  watch_t *w = handle->data;
  napi_delete_reference(w->env, w->callback);
  napi_async_destroy(w->env, w->context);
  free(w);
}

static napi_value UnixDgramWatch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "unixDgramWatch(fd, callback)");
    return NULL;
  }
  uv_loop_t *loop;
  CHECK(env, napi_get_uv_event_loop(env, &loop));
  watch_t *w = calloc(1, sizeof *w);
  if (w == NULL) return throw_errno(env, ENOMEM, "unixDgramWatch");
  w->env = env;
  napi_value name;
  CHECK(env, napi_create_string_utf8(env, "portscope:unixDgram", NAPI_AUTO_LENGTH, &name));
  CHECK(env, napi_async_init(env, NULL, name, &w->context));
  CHECK(env, napi_create_reference(env, argv[1], 1, &w->callback));
  int err = uv_poll_init(loop, &w->poll, fd);
  if (err == 0) {
    w->poll.data = w;
    err = uv_poll_start(&w->poll, UV_READABLE, on_readable);
    if (err != 0) {
      uv_close((uv_handle_t *)&w->poll, on_closed);
      return throw_errno(env, -err, "uv_poll_start");
    }
  } else {
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->context);
    free(w);
    return throw_errno(env, -err, "uv_poll_init");
  }
  napi_value handle;
  CHECK(env, napi_create_external(env, w, NULL, NULL, &handle));
  return handle;
}

static napi_value UnixDgramUnwatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  watch_t *w;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&w) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "unixDgramUnwatch(handle)");
    return NULL;
  }
  if (!uv_is_closing((uv_handle_t *)&w->poll)) {
    uv_poll_stop(&w->poll);
    uv_close((uv_handle_t *)&w->poll, on_closed);
  }
  return NULL;
}

napi_status RegisterUnixDgram(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {{"unixDgramOpen", UnixDgramOpen},       {"unixDgramConnect", UnixDgramConnect},
             {"unixDgramRecv", UnixDgramRecv},       {"unixDgramSend", UnixDgramSend},
             {"unixDgramWatch", UnixDgramWatch},     {"unixDgramUnwatch", UnixDgramUnwatch}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    napi_status s = napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &fn);
    if (s == napi_ok) s = napi_set_named_property(env, exports, fns[i].name, fn);
    if (s != napi_ok) return s;
  }
  return napi_ok;
}
