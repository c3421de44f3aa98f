// sockDiagAsync: sockDiag's dumps of this process's own network namespace, made on the libuv threadpool, so
// that the kernel's walk of its socket tables runs while JavaScript does other work (the CLI starts the dump
// of a plain `ls` before it loads its own code: src/cli/prefetch.ts).
#include "common.h"

#include <sys/mman.h>

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  uint32_t count;
  uint8_t **requests;
  size_t *lengths;
  reply_t *replies;
  int *errors;   // per request: 0, or the errno the kernel answered
  int openError; // the socket could not be opened: the promise rejects with it
} diag_async_t;

static void diag_async_free(diag_async_t *w) {
  for (uint32_t i = 0; i < w->count; i++) {
    free(w->requests[i]);
    if (w->replies[i].data != NULL) munmap(w->replies[i].data, w->replies[i].capacity);
  }
  free(w->requests);
  free(w->lengths);
  free(w->replies);
  free(w->errors);
  free(w);
}

// On a threadpool thread: as SockDiag with no namespace path, a fresh socket after a failed dump.
static void execute(napi_env env, void *data) {
  (void)env;
  diag_async_t *w = data;
  int fd = open_diag_socket(NULL, &w->openError);
  if (fd < 0) return;
  size_t bufSize = 1 << 16;
  uint8_t *buf = malloc(bufSize);
  if (buf == NULL) {
    close(fd);
    w->openError = ENOMEM;
    return;
  }
  for (uint32_t i = 0; i < w->count; i++) {
    w->errors[i] = diag_dump(fd, w->requests[i], w->lengths[i], i + 1, &w->replies[i], buf, bufSize);
    if (w->errors[i] != 0) {
      if (w->replies[i].data != NULL) munmap(w->replies[i].data, w->replies[i].capacity);
      w->replies[i] = (reply_t){0};
      if (i + 1 < w->count) {
        close(fd);
        fd = open_diag_socket(NULL, &w->openError);
        if (fd < 0) break;
      }
    }
  }
  free(buf);
  if (fd >= 0) close(fd);
}

static void complete(napi_env env, napi_status status, void *data) {
  diag_async_t *w = data;
  napi_value results, result;
  if (status != napi_ok || w->openError != 0) {
    reject_errno(env, w->deferred, status != napi_ok ? EINTR : w->openError, "sock_diag socket");
  } else if (napi_create_array_with_length(env, w->count, &results) != napi_ok) {
    reject_errno(env, w->deferred, ENOMEM, "sock_diag");
  } else {
    bool ok = true;
    for (uint32_t i = 0; ok && i < w->count; i++) {
      napi_status made = w->errors[i] != 0
                             ? napi_create_string_utf8(env, errno_name(w->errors[i]), NAPI_AUTO_LENGTH, &result)
                             : reply_buffer(env, &w->replies[i], &result);
      ok = made == napi_ok && napi_set_element(env, results, i, result) == napi_ok;
    }
    if (ok) napi_resolve_deferred(env, w->deferred, results);
    else reject_errno(env, w->deferred, ENOMEM, "sock_diag");
  }
  napi_delete_async_work(env, w->work);
  diag_async_free(w);
}

napi_value SockDiagAsync(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t count;
  if (argc < 1 || napi_get_array_length(env, argv[0], &count) != napi_ok || count > 64)
    return throw_errno(env, EINVAL, "sockDiagAsync: expected (requests: Buffer[], at most 64)");
  diag_async_t *w = calloc(1, sizeof *w);
  if (w == NULL) return throw_errno(env, ENOMEM, "sockDiagAsync");
  w->count = count;
  w->requests = calloc(count + 1, sizeof *w->requests);
  w->lengths = calloc(count + 1, sizeof *w->lengths);
  w->replies = calloc(count + 1, sizeof *w->replies);
  w->errors = calloc(count + 1, sizeof *w->errors);
  int err = w->requests == NULL || w->lengths == NULL || w->replies == NULL || w->errors == NULL ? ENOMEM : 0;
  for (uint32_t i = 0; err == 0 && i < count; i++) {
    napi_value element;
    err = napi_get_element(env, argv[0], i, &element) != napi_ok
              ? EINVAL
              : copy_buffer_arg(env, element, &w->requests[i], &w->lengths[i]);
  }
  if (err != 0) {
    diag_async_free(w);
    return throw_errno(env, err, "sockDiagAsync: expected (requests: Buffer[])");
  }
  return queue_async(env, "portscope:sockDiagAsync", execute, complete, w, &w->work, &w->deferred);
}
