// The parser of a listing in columns (src/inventory/linux/parse-diag-columns.ts), for dumps without details:
//
//   inetColumns(reply, protocol, family, keep, columns, at, netns, state) -> Buffer | undefined
//     Appends the sockets of one inet_diag dump reply as appendInetDiag does (struct inet_diag_msg of
//     <linux/inet_diag.h>, its INET_DIAG_SKV6ONLY attribute; messages of another type, too short, or of
//     another family skipped; a truncated message ends the reply) to the 13 typed arrays of `columns`
//     (protocol, family, state, localAddress, peerAddress, localPort, peerPort, recvQ, sendQ, uid, inode,
//     netns, v6only: SocketColumns' order and types) from row `at`: a row for each message of `family`
//     (AF_INET, AF_INET6, or 0 for both) whose keep[(protocol * 2 + isInet6) * 16 + state] is 1. The
//     address columns get numbers of this reply's own: the returned Buffer holds each distinct address
//     once, in the order first met (local before peer), as 17 bytes: the family, then 16 bytes (IPv4 in
//     the first 4), for the caller to number as its string table does. state[0] = the rows appended; when
//     the arrays hold fewer than `at` + the rows to append, nothing is written, state[0] = that number of
//     rows, and undefined is returned. A state code outside 1-13 (columnState's) is skipped, whatever `keep`
//     says. Throws EINVAL for arguments of the wrong type or size, ENOMEM.
//
// Also the helpers onepass-columns.c shares (common.h): the column arrays' check, the addresses' numbering.
#include "common.h"

#define NLMSG_HDR 16
#define INET_DIAG_MSG 72
#define SOCK_DIAG_BY_FAMILY_TYPE 20
#define TCPDIAG_GETSOCK_TYPE 18
#define INET_DIAG_SKV6ONLY_ATTR 11

static const napi_typedarray_type column_types[COLUMNS] = {
    napi_uint8_array,  napi_uint8_array,  napi_uint8_array,  napi_uint32_array, napi_uint32_array,
    napi_uint16_array, napi_uint16_array, napi_uint32_array, napi_uint32_array, napi_uint32_array,
    napi_uint32_array, napi_uint32_array, napi_int8_array};

bool columns_arg(napi_env env, napi_value value, void *columns[COLUMNS], size_t *rows) {
  uint32_t count = 0;
  *rows = SIZE_MAX;
  if (napi_get_array_length(env, value, &count) != napi_ok || count != COLUMNS) {
    napi_throw_error(env, "EINVAL", "portscope native: expected the 13 column arrays");
    return false;
  }
  for (uint32_t i = 0; i < COLUMNS; i++) {
    napi_value item;
    napi_typedarray_type type;
    size_t length;
    if (napi_get_element(env, value, i, &item) != napi_ok ||
        napi_get_typedarray_info(env, item, &type, &length, &columns[i], NULL, NULL) != napi_ok ||
        type != column_types[i]) {
      napi_throw_error(env, "EINVAL", "portscope native: a column of the wrong type");
      return false;
    }
    if (length < *rows) *rows = length;
  }
  return true;
}

static uint32_t hash_key(const uint8_t *key) {
  uint32_t h = 2166136261u;
  for (int i = 0; i < 17; i++) h = (h ^ key[i]) * 16777619u;
  return h;
}

static int addresses_grow(addresses_t *a) {
  uint32_t capacity = a->capacity == 0 ? 64 : a->capacity * 2;
  uint8_t *keys = realloc(a->keys, (size_t)capacity * 17);
  uint32_t *slots = calloc((size_t)capacity * 2, sizeof *slots);
  if (keys == NULL || slots == NULL) {
    free(slots);
    if (keys != NULL) a->keys = keys;
    return -1;
  }
  a->keys = keys;
  free(a->slots);
  a->slots = slots;
  a->capacity = capacity;
  a->mask = capacity * 2 - 1;
  for (uint32_t n = 0; n < a->count; n++) {
    uint32_t slot = hash_key(a->keys + (size_t)n * 17) & a->mask;
    while (a->slots[slot] != 0) slot = (slot + 1) & a->mask;
    a->slots[slot] = n + 1;
  }
  return 0;
}

uint32_t address_number(addresses_t *a, uint8_t family, const uint8_t *bytes) {
  uint8_t key[17] = {0};
  key[0] = family;
  memcpy(key + 1, bytes, family == AF_INET ? 4 : 16);
  if (a->count >= a->capacity && addresses_grow(a) != 0) return UINT32_MAX;
  uint32_t slot = hash_key(key) & a->mask;
  for (;;) {
    uint32_t n = a->slots[slot];
    if (n == 0) break;
    if (memcmp(a->keys + (size_t)(n - 1) * 17, key, 17) == 0) return n - 1;
    slot = (slot + 1) & a->mask;
  }
  memcpy(a->keys + (size_t)a->count * 17, key, 17);
  a->slots[slot] = a->count + 1;
  return a->count++;
}

napi_value addresses_result(napi_env env, addresses_t *a, const char *what) {
  napi_value result = NULL;
  void *data;
  if (napi_create_buffer_copy(env, (size_t)a->count * 17, a->keys == NULL ? (void *)"" : a->keys, &data, &result) !=
      napi_ok)
    result = throw_errno(env, ENOMEM, what);
  free(a->keys);
  free(a->slots);
  *a = (addresses_t){0};
  return result;
}

static uint16_t u16(const uint8_t *p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}
static uint32_t u32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

// Runs its body for each message of the reply to append, in order: p its inet_diag_msg, end its end.
#define EACH_ROW(...)                                                                                       \
  for (size_t off = 0; off + NLMSG_HDR <= size;) {                                                          \
    uint32_t length = u32(reply + off);                                                                     \
    if (length < NLMSG_HDR || off + length > size) break;                                                   \
    uint16_t type = u16(reply + off + 4);                                                                   \
    const uint8_t *p = reply + off + NLMSG_HDR;                                                             \
    if ((type == SOCK_DIAG_BY_FAMILY_TYPE || type == TCPDIAG_GETSOCK_TYPE) &&                               \
        length >= NLMSG_HDR + INET_DIAG_MSG && (family == 0 || p[0] == family) &&                           \
        (p[0] == AF_INET || p[0] == AF_INET6) && p[1] >= 1 && p[1] <= 13 &&                                \
        keep[(protocol * 2 + (p[0] == AF_INET6 ? 1 : 0)) * 16 + p[1]] != 0) {                               \
      const uint8_t *end = reply + off + length;                                                            \
      (void)end;                                                                                            \
      __VA_ARGS__                                                                                           \
    }                                                                                                       \
    off += (length + 3) & ~(size_t)3;                                                                       \
  }

static napi_value InetColumns(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *reply, *keep;
  size_t size, keepSize, stateSize;
  uint32_t protocol, family, at, netns, *state;
  bool isBuffer = false;
  napi_typedarray_type type;
  if (napi_is_buffer(env, argv[0], &isBuffer) != napi_ok || !isBuffer ||
      napi_get_buffer_info(env, argv[0], (void **)&reply, &size) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &protocol) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &family) != napi_ok ||
      napi_get_typedarray_info(env, argv[3], &type, &keepSize, (void **)&keep, NULL, NULL) != napi_ok ||
      type != napi_uint8_array || protocol > 2 || keepSize < 6 * 16 ||
      (family != 0 && family != AF_INET && family != AF_INET6) ||
      napi_get_value_uint32(env, argv[5], &at) != napi_ok || napi_get_value_uint32(env, argv[6], &netns) != napi_ok ||
      napi_get_typedarray_info(env, argv[7], &type, &stateSize, (void **)&state, NULL, NULL) != napi_ok ||
      type != napi_uint32_array || stateSize < 1) {
    napi_throw_error(env, "EINVAL", "portscope native: inetColumns(reply, protocol, family, keep, columns, at, netns, state)");
    return NULL;
  }
  void *columns[COLUMNS];
  size_t rows;
  if (!columns_arg(env, argv[4], columns, &rows)) return NULL;
  uint32_t count = 0;
  EACH_ROW(count++;)
  state[0] = count;
  if ((size_t)at + count > rows) return NULL;
  addresses_t a = {0};
  uint32_t row = at;
  bool failed = false;
  EACH_ROW({
    bool v6 = p[0] == AF_INET6;
    uint32_t local = address_number(&a, p[0], p + 8), peer = address_number(&a, p[0], p + 24);
    if (local == UINT32_MAX || peer == UINT32_MAX) {
      failed = true;
      break;
    }
    int8_t v6only = -1;
    for (const uint8_t *attr = p + INET_DIAG_MSG; attr + 4 <= end;) {
      uint16_t n = u16(attr);
      if (n < 4 || attr + n > end) break;
      if ((u16(attr + 2) & 0x3fff) == INET_DIAG_SKV6ONLY_ATTR && v6 && n > 4) v6only = attr[4] == 0 ? 0 : 1;
      attr += (n + 3) & ~3;
    }
    ((uint8_t *)columns[0])[row] = (uint8_t)protocol;
    ((uint8_t *)columns[1])[row] = v6 ? 6 : 4;
    ((uint8_t *)columns[2])[row] = p[1];
    ((uint32_t *)columns[3])[row] = local;
    ((uint32_t *)columns[4])[row] = peer;
    ((uint16_t *)columns[5])[row] = (uint16_t)(p[4] << 8 | p[5]);
    ((uint16_t *)columns[6])[row] = (uint16_t)(p[6] << 8 | p[7]);
    ((uint32_t *)columns[7])[row] = u32(p + 56);
    ((uint32_t *)columns[8])[row] = u32(p + 60);
    ((uint32_t *)columns[9])[row] = u32(p + 64);
    ((uint32_t *)columns[10])[row] = u32(p + 68);
    ((uint32_t *)columns[11])[row] = netns;
    ((int8_t *)columns[12])[row] = v6only;
    row++;
  })
  if (failed) {
    free(a.keys);
    free(a.slots);
    napi_throw_error(env, "ENOMEM", "portscope native: inetColumns: out of memory");
    return NULL;
  }
  return addresses_result(env, &a, "portscope native: inetColumns");
}

napi_status RegisterDiagColumns(napi_env env, napi_value exports) {
  napi_value fn;
  napi_status status = napi_create_function(env, "inetColumns", NAPI_AUTO_LENGTH, InetColumns, NULL, &fn);
  return status != napi_ok ? status : napi_set_named_property(env, exports, "inetColumns", fn);
}
