// Closing sockets and watching them close (ss -K, ss -E): see portscope.c for the calls' contracts.
#include "common.h"

// sockDestroy(netnsPath, request) -> undefined | errno name
//   Sends one prepared SOCK_DESTROY request (an inet_diag_req_v2 naming one socket, built in TypeScript)
//   with NLM_F_ACK and returns undefined when the kernel closed the socket, or the errno name of its answer
//   (EOPNOTSUPP: no CONFIG_INET_DIAG_DESTROY or a protocol that cannot be destroyed; ENOENT: gone; EPERM).
//   Self-contained on purpose: it shares only open_diag_socket with the dump code.
napi_value SockDestroy(napi_env env, napi_callback_info info) {
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
napi_value DiagEventsOpen(napi_env env, napi_callback_info info) {
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

