// pidfd_open(2) and pidfd_send_signal(2) (see portscope.c).
#include "common.h"

// ---- pidfd --------------------------------------------------------------------------------------

napi_value PidfdOpen(napi_env env, napi_callback_info info) {
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

napi_value PidfdSendSignal(napi_env env, napi_callback_info info) {
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
