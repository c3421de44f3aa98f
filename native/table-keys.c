// The numbers of a table's cells computed from a listing's columns (src/cli/render/column-cells.ts, pieces.ts):
// one key per row from one or two columns, then each key's piece number from a table of them.
//
//   columnKeys(out, count, order, a, m, b, family, star, v6only, starKey) -> undefined
//     For i below count, row = order[i] (i when order is null): out[i] = a[row] * m + (b is null ? 0 : family ?
//     (b[row] == 6) : b[row]); but starKey where star >= 0, b[row] == 6 (family), a[row] == star and
//     v6only[row] == 0 (endpointLabel's `*` of a dual-stack `::`). a, b: Uint8Array, Int8Array, Uint16Array or
//     Uint32Array of at least every row named; order: Uint32Array.
//
//   missingKeys(keys, count, table) -> Uint32Array
//     Each distinct key k of keys[0..count-1] below table.length with table[k] == 0 (not numbered yet), once,
//     in the order first met; table[k] is set to 0xffffffff meanwhile (the caller then numbers them).
//
//   numberKeys(keys, count, table) -> Uint32Array
//     keys[i] = table[keys[i]] - 1 where the key is below table.length and numbered (table[k] not 0 or
//     0xffffffff); returns the i left (keys out of the table), for the caller to number.
//
//   soleOwners(holders, inodes, count, order, pids, fds) -> number
//     For i below count, row = order[i] (i when order is null): when exactly one [inode, pid, fd] triple of
//     `holders` has the inode inodes[row] (not 0), pids[i] = its pid and fds[i] = its fd, else pids[i] = -1
//     (OwnerJoin.soleTriple, for all the rows of a table at once). pids: Int32Array. Returns the largest pid
//     written (-1 when none), which sizes the table that numbers the rows by pid (Pieces.numberBy).
//
//   tagKeys(out, keys, count, tag) -> undefined
//     out[i] = keys[i] | tag for i below count (a table's number pieces: tag bit 31, NUMBER_PIECE). EINVAL
//     for a key that has a bit of `tag` set (out[0..i-1] written then).
//
// All throw EINVAL for arguments of the wrong type or too short (columnKeys: also for a key past 2^32-1), and
// ENOMEM.
#include "common.h"

static napi_value SoleOwners(napi_env env, napi_callback_info info);
static napi_value TagKeys(napi_env env, napi_callback_info info);

typedef struct {
  napi_typedarray_type type;
  const void *data;
  size_t length;
} column_t;

static bool column_arg(napi_env env, napi_value value, bool nullable, column_t *c) {
  napi_valuetype kind;
  bool is = false;
  c->data = NULL;
  c->length = 0;
  if (nullable && napi_typeof(env, value, &kind) == napi_ok && (kind == napi_null || kind == napi_undefined))
    return true;
  if (napi_is_typedarray(env, value, &is) == napi_ok && is &&
      napi_get_typedarray_info(env, value, &c->type, &c->length, (void **)&c->data, NULL, NULL) == napi_ok &&
      (c->type == napi_uint8_array || c->type == napi_int8_array || c->type == napi_uint16_array ||
       c->type == napi_uint32_array))
    return true;
  napi_throw_error(env, "EINVAL", "portscope native: expected a column (a typed array of integers)");
  return false;
}

static inline uint32_t at(const column_t *c, size_t i) {
  switch (c->type) {
    case napi_uint8_array: return ((const uint8_t *)c->data)[i];
    case napi_int8_array: return (uint32_t)(int32_t)((const int8_t *)c->data)[i];
    case napi_uint16_array: return ((const uint16_t *)c->data)[i];
    default: return ((const uint32_t *)c->data)[i];
  }
}

static bool u32_arg(napi_env env, napi_value value, uint32_t **data, size_t *length) {
  return typed_arg(env, value, napi_uint32_array, (void **)data, length);
}

static napi_value ColumnKeys(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t *out, count, m, starKey;
  int32_t star;
  bool family;
  size_t outLength;
  column_t order, a, b, v6only;
  if (!u32_arg(env, argv[0], &out, &outLength) || !column_arg(env, argv[2], true, &order) ||
      !column_arg(env, argv[3], false, &a) || !column_arg(env, argv[5], true, &b) ||
      !column_arg(env, argv[8], true, &v6only))
    return NULL;
  napi_valuetype kind;
  if (!uint32_arg(env, argv[1], &count) || !uint32_arg(env, argv[4], &m) || !uint32_arg(env, argv[9], &starKey))
    return NULL;
  if (napi_get_value_bool(env, argv[6], &family) != napi_ok || napi_typeof(env, argv[7], &kind) != napi_ok ||
      kind != napi_number || napi_get_value_int32(env, argv[7], &star) != napi_ok) {
    napi_throw_error(env, "EINVAL", "portscope native: columnKeys: family must be a boolean and star a number");
    return NULL;
  }
  bool bad = count > outLength || (order.data != NULL && (order.type != napi_uint32_array || order.length < count)) ||
             (star >= 0 && (b.data == NULL || v6only.data == NULL));
  // Every row named must be in the columns.
  size_t rows = order.data == NULL ? count : 0;
  for (uint32_t i = 0; !bad && order.data != NULL && i < count; i++) {
    size_t row = ((const uint32_t *)order.data)[i];
    if (row + 1 > rows) rows = row + 1;
  }
  if (bad || a.length < rows || (b.data != NULL && b.length < rows) || (v6only.data != NULL && v6only.length < rows)) {
    napi_throw_error(env, "EINVAL", "portscope native: columnKeys: arrays shorter than the rows");
    return NULL;
  }
  for (uint32_t i = 0; i < count; i++) {
    size_t row = order.data == NULL ? i : ((const uint32_t *)order.data)[i];
    uint32_t first = at(&a, row), second = b.data == NULL ? 0 : at(&b, row);
    if (family) second = second == 6;
    uint64_t key = (uint64_t)first * m + second;
    if (star >= 0 && second == 1 && first == (uint32_t)star && at(&v6only, row) == 0)
      out[i] = starKey;
    else if (key > UINT32_MAX) {
      napi_throw_error(env, "EINVAL", "portscope native: columnKeys: a key past 2^32-1");
      return NULL;
    } else
      out[i] = (uint32_t)key;
  }
  return NULL;
}

// keys, count and table of missingKeys and numberKeys; false with an exception pending.
static bool keys_args(napi_env env, napi_callback_info info, uint32_t **keys, uint32_t *count, uint32_t **table,
                      size_t *size) {
  size_t argc = 3, length;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || !u32_arg(env, argv[0], keys, &length) ||
      !uint32_arg(env, argv[1], count) || !u32_arg(env, argv[2], table, size))
    return false;
  if (*count > length) {
    napi_throw_error(env, "EINVAL", "portscope native: fewer keys than the count");
    return false;
  }
  return true;
}

// A Uint32Array of the `n` numbers of `values` (freed here).
static napi_value u32_result(napi_env env, uint32_t *values, size_t n) {
  napi_value buffer, array = NULL;
  void *data;
  if (napi_create_arraybuffer(env, n * 4, &data, &buffer) == napi_ok) {
    if (n > 0) memcpy(data, values, n * 4);
    if (napi_create_typedarray(env, napi_uint32_array, n, buffer, 0, &array) != napi_ok) array = NULL;
  }
  free(values);
  return array != NULL ? array : throw_errno(env, ENOMEM, "portscope native: a Uint32Array");
}

// Keeps `value` in the growing list `*list` (of `*n`, room for `*room`); false without memory.
static bool keep(uint32_t **list, size_t *n, size_t *room, uint32_t value) {
  if (*n == *room) {
    size_t more = *room == 0 ? 256 : *room * 2;
    uint32_t *grown = realloc(*list, more * 4);
    if (grown == NULL) return false;
    *list = grown;
    *room = more;
  }
  (*list)[(*n)++] = value;
  return true;
}

static napi_value MissingKeys(napi_env env, napi_callback_info info) {
  uint32_t *keys, *table, count, *list = NULL;
  size_t size, n = 0, room = 0;
  if (!keys_args(env, info, &keys, &count, &table, &size)) return NULL;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t key = keys[i];
    if (key >= size || table[key] != 0) continue;
    table[key] = UINT32_MAX;
    if (!keep(&list, &n, &room, key)) return free(list), throw_errno(env, ENOMEM, "missingKeys");
  }
  return u32_result(env, list, n);
}

static napi_value NumberKeys(napi_env env, napi_callback_info info) {
  uint32_t *keys, *table, count, *list = NULL;
  size_t size, n = 0, room = 0;
  if (!keys_args(env, info, &keys, &count, &table, &size)) return NULL;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t key = keys[i], number = key < size ? table[key] : 0;
    if (number != 0 && number != UINT32_MAX)
      keys[i] = number - 1;
    else if (!keep(&list, &n, &room, i))
      return free(list), throw_errno(env, ENOMEM, "numberKeys");
  }
  return u32_result(env, list, n);
}

napi_status RegisterTableKeys(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } functions[] = {
      {"columnKeys", ColumnKeys}, {"missingKeys", MissingKeys}, {"numberKeys", NumberKeys},
      {"soleOwners", SoleOwners}, {"tagKeys", TagKeys}};
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    napi_value fn;
    napi_status status = napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL, &fn);
    if (status != napi_ok || (status = napi_set_named_property(env, exports, functions[i].name, fn)) != napi_ok)
      return status;
  }
  return napi_ok;
}

// soleOwners: the holders' inodes in an open-addressing table (pairs: inode, then the triple + 1, 0 empty,
// UINT32_MAX for an inode of several triples; `size` a power of two), then one lookup per row.
static size_t inode_slot(const uint32_t *slots, size_t size, uint32_t inode) {
  size_t slot = (inode * 2654435769u) & (size - 1);
  while (slots[slot * 2 + 1] != 0 && slots[slot * 2] != inode) slot = (slot + 1) & (size - 1);
  return slot;
}
static napi_value SoleOwners(napi_env env, napi_callback_info info) {
  size_t argc = 6, holderCount, inodeCount, pidCount, fdCount;
  napi_value argv[6];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t *holders, *inodes, *fds, count;
  column_t order;
  napi_typedarray_type pidType;
  void *pidData;
  bool isArray = false;
  if (!u32_arg(env, argv[0], &holders, &holderCount) || !u32_arg(env, argv[1], &inodes, &inodeCount) ||
      !column_arg(env, argv[3], true, &order) || !u32_arg(env, argv[5], &fds, &fdCount))
    return NULL;
  if (!uint32_arg(env, argv[2], &count)) return NULL;
  bool bad = napi_is_typedarray(env, argv[4], &isArray) != napi_ok || !isArray ||
             napi_get_typedarray_info(env, argv[4], &pidType, &pidCount, &pidData, NULL, NULL) != napi_ok ||
             pidType != napi_int32_array || pidCount < count || fdCount < count ||
             (order.data != NULL && (order.type != napi_uint32_array || order.length < count));
  for (uint32_t i = 0; !bad && i < count; i++)
    if ((order.data == NULL ? i : ((const uint32_t *)order.data)[i]) >= inodeCount) bad = true;
  if (bad) {
    napi_throw_error(env, "EINVAL", "portscope native: soleOwners: arrays of the wrong type or too short");
    return NULL;
  }
  int32_t *out = pidData, largest = -1;
  size_t triples = holderCount / 3, size = 16;
  while (size < triples * 2) size *= 2;
  uint32_t *slots = calloc(size * 2, sizeof *slots);
  if (slots == NULL) return throw_errno(env, ENOMEM, "soleOwners");
  for (size_t t = 0; t < triples; t++) {
    uint32_t inode = holders[t * 3];
    if (inode == 0) continue;
    size_t slot = inode_slot(slots, size, inode);
    slots[slot * 2] = inode;
    slots[slot * 2 + 1] = slots[slot * 2 + 1] == 0 ? (uint32_t)t + 1 : UINT32_MAX;
  }
  for (uint32_t i = 0; i < count; i++) {
    uint32_t inode = inodes[order.data == NULL ? i : ((const uint32_t *)order.data)[i]], found = 0;
    if (inode != 0) found = slots[inode_slot(slots, size, inode) * 2 + 1];
    if (found == 0 || found == UINT32_MAX) {
      out[i] = -1;
      fds[i] = 0;
    } else {
      out[i] = (int32_t)holders[(found - 1) * 3 + 1];
      fds[i] = holders[(found - 1) * 3 + 2];
      if (out[i] > largest) largest = out[i];
    }
  }
  free(slots);
  napi_value result;
  CHECK(env, napi_create_int32(env, largest, &result));
  return result;
}

static napi_value TagKeys(napi_env env, napi_callback_info info) {
  size_t argc = 4, outLength, keyLength;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t *out, *keys, count, tag;
  if (!u32_arg(env, argv[0], &out, &outLength) || !u32_arg(env, argv[1], &keys, &keyLength) ||
      !uint32_arg(env, argv[2], &count) || !uint32_arg(env, argv[3], &tag))
    return NULL;
  if (count > outLength || count > keyLength) {
    napi_throw_error(env, "EINVAL", "portscope native: tagKeys: arrays shorter than count");
    return NULL;
  }
  for (uint32_t i = 0; i < count; i++) {
    if ((keys[i] & tag) != 0) {
      napi_throw_error(env, "EINVAL", "portscope native: tagKeys: a key with a bit of the tag set");
      return NULL;
    }
    out[i] = keys[i] | tag;
  }
  return NULL;
}
