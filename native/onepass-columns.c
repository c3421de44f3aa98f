// The one BPF pass's records (native/bpf/sockets.bpf.c, 64 bytes each) appended to a listing's columns, as
// src/inventory/linux/parse-onepass-columns.ts's appendOnePass does in TypeScript:
//
//   onePassColumns(records, order, keep, ports, columns, at, state) -> Buffer | undefined
//     records: the pass's bytes (a Uint8Array, whole records only); order: Uint32Array of the namespaces'
//     inodes in listing order; keep: Uint8Array of 96, keep[(protocol * 2 + isInet6) * 16 + code] (protocol 0
//     TCP, 1 UDP: what the caller's query and keep table allow, and a state code that names a state); ports:
//     Uint16Array of the local ports asked for, or null for any. Appends each kept record (a namespace of
//     `order`, AF_INET or AF_INET6, code below 16, kept) to the 13 arrays of `columns` from row `at`: the
//     namespaces in `order`'s order, each in sock_diag's table order (tcp, tcp6, udp, udp6), records in the
//     walk's order within a table. The address columns get numbers of this call's own: the returned Buffer
//     holds each distinct address once, in the order first met (local before peer), 17 bytes each, as
//     inetColumns returns them. state[0] = the rows appended; when the arrays hold fewer than `at` + those rows,
//     nothing is written, state[0] = that number, and undefined is returned. Throws EINVAL for arguments of the
//     wrong type or size, ENOMEM.
#include "common.h"

#include <netinet/in.h>

#define RECORD 64
#define TCP_CLOSE_CODE 7
#define TCP_LISTEN_CODE 10

// The namespaces of `order` by inode: open addressing over (inode, index + 1) pairs.
typedef struct {
  uint32_t *slots;
  uint32_t mask;
} ns_index_t;

static bool ns_index_make(ns_index_t *x, const uint32_t *order, size_t count) {
  size_t size = 16;
  while (size < count * 2) size *= 2;
  x->slots = calloc(size * 2, sizeof *x->slots);
  x->mask = (uint32_t)size - 1;
  if (x->slots == NULL) return false;
  for (size_t i = 0; i < count; i++) {
    uint32_t slot = (order[i] * 2654435769u) >> 7 & x->mask;
    while (x->slots[slot * 2 + 1] != 0 && x->slots[slot * 2] != order[i]) slot = (slot + 1) & x->mask;
    x->slots[slot * 2] = order[i];
    x->slots[slot * 2 + 1] = (uint32_t)i + 1; // an inode listed twice: its last place, as a Map of `order` gives
  }
  return true;
}

// The index of namespace `inode` in `order`, or -1.
static int64_t ns_index_of(const ns_index_t *x, uint32_t inode) {
  uint32_t slot = (inode * 2654435769u) >> 7 & x->mask;
  while (x->slots[slot * 2 + 1] != 0) {
    if (x->slots[slot * 2] == inode) return (int64_t)x->slots[slot * 2 + 1] - 1;
    slot = (slot + 1) & x->mask;
  }
  return -1;
}

static uint32_t u32at(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

// Record r's bucket (namespace * 4 + table), or -1 when it is not appended.
static int64_t bucket_of(const uint8_t *p, const ns_index_t *x, const uint8_t *keep, const uint16_t *ports,
                         size_t portCount) {
  uint8_t af = p[24], code = p[26];
  if ((af != AF_INET && af != AF_INET6) || code > 15) return -1;
  int protocol = p[27] == IPPROTO_TCP ? 0 : 1, inet6 = af == AF_INET6;
  if (keep[(protocol * 2 + inet6) * 16 + code] == 0) return -1;
  if (ports != NULL) {
    uint16_t port;
    memcpy(&port, p + 28, 2);
    size_t i = 0;
    while (i < portCount && ports[i] != port) i++;
    if (i == portCount) return -1;
  }
  int64_t ns = ns_index_of(x, u32at(p));
  return ns < 0 ? -1 : ns * 4 + protocol * 2 + inet6;
}

static napi_value OnePassColumns(napi_env env, napi_callback_info info) {
  size_t argc = 7, size, orderCount, keepSize, portCount = 0, stateSize, rows;
  napi_value argv[7];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *records, *keep;
  uint32_t *order, *state, at;
  uint16_t *ports = NULL;
  napi_valuetype portsType;
  void *columns[COLUMNS];
  if (!typed_arg(env, argv[0], napi_uint8_array, (void **)&records, &size) ||
      !typed_arg(env, argv[1], napi_uint32_array, (void **)&order, &orderCount) ||
      !typed_arg(env, argv[2], napi_uint8_array, (void **)&keep, &keepSize) ||
      napi_typeof(env, argv[3], &portsType) != napi_ok ||
      (portsType != napi_null && !typed_arg(env, argv[3], napi_uint16_array, (void **)&ports, &portCount)) ||
      !columns_arg(env, argv[4], columns, &rows) || !uint32_arg(env, argv[5], &at) ||
      !typed_arg(env, argv[6], napi_uint32_array, (void **)&state, &stateSize))
    return NULL;
  if (keepSize < 96 || stateSize < 1) {
    napi_throw_error(env, "EINVAL", "portscope native: onePassColumns: keep needs 96 entries, state one");
    return NULL;
  }
  size_t count = size / RECORD, buckets = orderCount * 4;
  ns_index_t x = {0};
  int32_t *bucket = malloc((count + 1) * sizeof *bucket);
  uint32_t *starts = calloc(buckets + 1, sizeof *starts);
  if (bucket == NULL || starts == NULL || !ns_index_make(&x, order, orderCount)) {
    free(bucket), free(starts), free(x.slots);
    return throw_errno(env, ENOMEM, "portscope native: onePassColumns");
  }
  // A counting sort by bucket keeps the walk's order within each.
  for (size_t r = 0; r < count; r++) {
    int64_t b = bucket_of(records + r * RECORD, &x, keep, ports, portCount);
    bucket[r] = (int32_t)b;
    if (b >= 0) starts[b + 1]++;
  }
  free(x.slots);
  for (size_t b = 1; b <= buckets; b++) starts[b] += starts[b - 1];
  size_t kept = starts[buckets];
  state[0] = (uint32_t)kept;
  if ((size_t)at + kept > rows) {
    free(bucket), free(starts);
    return NULL;
  }
  uint32_t *sorted = malloc((kept + 1) * sizeof *sorted);
  if (sorted == NULL) {
    free(bucket), free(starts);
    return throw_errno(env, ENOMEM, "portscope native: onePassColumns");
  }
  for (size_t r = 0; r < count; r++)
    if (bucket[r] >= 0) sorted[starts[bucket[r]]++] = (uint32_t)r;
  free(bucket), free(starts);
  addresses_t a = {0};
  for (size_t i = 0; i < kept; i++) {
    const uint8_t *p = records + (size_t)sorted[i] * RECORD;
    size_t row = at + i;
    uint8_t af = p[24], code = p[26], v6only = p[25] & 3;
    uint32_t local = address_number(&a, af, p + 32), peer = address_number(&a, af, p + 48);
    if (local == UINT32_MAX || peer == UINT32_MAX) {
      free(sorted), free(a.keys), free(a.slots);
      return throw_errno(env, ENOMEM, "portscope native: onePassColumns");
    }
    uint16_t localPort;
    memcpy(&localPort, p + 28, 2);
    ((uint8_t *)columns[0])[row] = p[27] == IPPROTO_TCP ? 0 : 1;
    ((uint8_t *)columns[1])[row] = af == AF_INET6 ? 6 : 4;
    ((uint8_t *)columns[2])[row] = code;
    ((uint32_t *)columns[3])[row] = local;
    ((uint32_t *)columns[4])[row] = peer;
    ((uint16_t *)columns[5])[row] = localPort;
    ((uint16_t *)columns[6])[row] = (uint16_t)(p[30] << 8 | p[31]);
    ((uint32_t *)columns[7])[row] = u32at(p + 12);
    ((uint32_t *)columns[8])[row] = u32at(p + 16);
    ((uint32_t *)columns[9])[row] = u32at(p + 8);
    ((uint32_t *)columns[10])[row] = u32at(p + 4);
    ((uint32_t *)columns[11])[row] = u32at(p);
    // v6only as sock_diag gives it: for listening and closed sockets only (2: the record does not say).
    bool says = v6only != 2 && (code == TCP_LISTEN_CODE || code == TCP_CLOSE_CODE);
    ((int8_t *)columns[12])[row] = says ? (v6only == 1 ? 1 : 0) : -1;
  }
  free(sorted);
  return addresses_result(env, &a, "portscope native: onePassColumns");
}

napi_status RegisterOnePassColumns(napi_env env, napi_value exports) {
  napi_value fn;
  napi_status status = napi_create_function(env, "onePassColumns", NAPI_AUTO_LENGTH, OnePassColumns, NULL, &fn);
  return status != napi_ok ? status : napi_set_named_property(env, exports, "onePassColumns", fn);
}
