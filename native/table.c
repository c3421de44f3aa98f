// The table writer of a listing in columns (src/cli/render/column-table.ts): rows whose cells are made of
// pieces of text, each piece made once in TypeScript and named by a number, written here as bytes.
//
//   tableWidths(lengths, ids, count, widths) -> undefined
//     For each column k < widths.length, widths[k] = the largest of widths[k] and, over rows 0..count-1,
//     lengths[head] + lengths[tail] (the piece numbers ids[2k][row] and ids[2k+1][row]; a null tail adds 0).
//
//   tableRows(bytes, starts, plain, ids, widths, right, from, to, out, state) -> undefined
//     Writes rows from..to-1 into `out` as ChunkedOutput.addRow writes one: each cell (head then tail piece,
//     piece i being bytes[starts[i]..starts[i+1]]) padded with spaces to widths[k] (before the text where
//     right[k]), two spaces between cells, the last cell unpadded when left-aligned, trailing spaces
//     trimmed, '\n'. At most 64 columns. Stops before a row that does not fit in what is left of `out`, or that has a piece
//     not made of printable ASCII (plain[i] == 0) or a cell wider than its column: state[0] = the next row
//     to write, state[1] = the bytes written. Throws EINVAL for a piece number out of range or arrays
//     shorter than the rows.
#include "common.h"

#define MAX_COLUMNS 64

typedef struct {
  uint32_t count;  // columns
  const uint32_t *head[MAX_COLUMNS];
  const uint32_t *tail[MAX_COLUMNS];  // NULL: no tail piece
} cells_t;

// The 2 x count piece-number arrays of `ids` (a tail may be null or undefined), each of at least `rows`.
static bool cells_arg(napi_env env, napi_value ids, uint32_t rows, cells_t *cells) {
  uint32_t length = 0;
  if (napi_get_array_length(env, ids, &length) != napi_ok || length % 2 != 0 || length / 2 > MAX_COLUMNS ||
      length == 0) {
    napi_throw_error(env, "EINVAL", "portscope native: expected 2 piece arrays per column");
    return false;
  }
  cells->count = length / 2;
  for (uint32_t i = 0; i < length; i++) {
    napi_value item;
    napi_valuetype kind;
    if (napi_get_element(env, ids, i, &item) != napi_ok || napi_typeof(env, item, &kind) != napi_ok) {
      napi_throw_error(env, "EINVAL", "portscope native: expected 2 piece arrays per column");
      return false;
    }
    const uint32_t **slot = i % 2 == 0 ? &cells->head[i / 2] : &cells->tail[i / 2];
    *slot = NULL;
    if (i % 2 == 1 && (kind == napi_null || kind == napi_undefined)) continue;
    void *data;
    size_t count;
    if (!typed_arg(env, item, napi_uint32_array, &data, &count)) return false;
    if (count < rows) {
      napi_throw_error(env, "EINVAL", "portscope native: a piece array is shorter than the rows");
      return false;
    }
    *slot = data;
  }
  return true;
}

static napi_value TableWidths(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t *lengths, *widths, count;
  size_t pieces, measured;
  cells_t cells;
  if (!typed_arg(env, argv[0], napi_uint32_array, (void **)&lengths, &pieces)) return NULL;
  if (!uint32_arg(env, argv[2], &count)) return NULL;
  if (!cells_arg(env, argv[1], count, &cells)) return NULL;
  if (!typed_arg(env, argv[3], napi_uint32_array, (void **)&widths, &measured)) return NULL;
  if (measured > cells.count) measured = cells.count;
  for (size_t k = 0; k < measured; k++) {
    const uint32_t *head = cells.head[k], *tail = cells.tail[k];
    uint32_t widest = widths[k];
    for (uint32_t row = 0; row < count; row++) {
      uint32_t h = head[row], t = tail == NULL ? 0 : tail[row];
      if (h >= pieces || t >= pieces) {
        napi_throw_error(env, "EINVAL", "portscope native: a piece number is out of range");
        return NULL;
      }
      uint32_t width = lengths[h] + lengths[t];
      if (width > widest) widest = width;
    }
    widths[k] = widest;
  }
  return NULL;
}

static napi_value TableRows(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *bytes, *plain, *right, *out;
  uint32_t *starts, *widths, *state, from, to;
  size_t size, bounds, pieces, columns, aligned, room, states;
  cells_t cells;
  if (!typed_arg(env, argv[0], napi_uint8_array, (void **)&bytes, &size)) return NULL;  // a Buffer
  if (!typed_arg(env, argv[1], napi_uint32_array, (void **)&starts, &bounds) ||
      !typed_arg(env, argv[2], napi_uint8_array, (void **)&plain, &pieces))
    return NULL;
  if (!uint32_arg(env, argv[6], &from) || !uint32_arg(env, argv[7], &to)) return NULL;
  if (!cells_arg(env, argv[3], to, &cells) ||
      !typed_arg(env, argv[4], napi_uint32_array, (void **)&widths, &columns) ||
      !typed_arg(env, argv[5], napi_uint8_array, (void **)&right, &aligned) ||
      !typed_arg(env, argv[9], napi_uint32_array, (void **)&state, &states))
    return NULL;
  if (!typed_arg(env, argv[8], napi_uint8_array, (void **)&out, &room)) return NULL;
  if (bounds != pieces + 1 || columns < cells.count || aligned < cells.count || states < 2 ||
      (pieces > 0 && starts[pieces] > size)) {
    napi_throw_error(env, "EINVAL", "portscope native: the table's arrays do not agree");
    return NULL;
  }
  const uint32_t last = cells.count - 1;
  size_t used = 0;
  uint32_t row = from;
  for (; row < to; row++) {
    // The row's size before any byte of it is written: it goes in whole or not at all.
    size_t need = 2 * last + 1;
    uint32_t id[2 * MAX_COLUMNS];
    bool stop = false;
    for (uint32_t k = 0; k <= last && !stop; k++) {
      uint32_t h = cells.head[k][row], t = cells.tail[k] == NULL ? 0 : cells.tail[k][row];
      if (h >= pieces || t >= pieces || starts[h] > starts[h + 1] || starts[t] > starts[t + 1] ||
          starts[h + 1] > size || starts[t + 1] > size) {
        napi_throw_error(env, "EINVAL", "portscope native: a piece number is out of range");
        return NULL;
      }
      id[2 * k] = h;
      id[2 * k + 1] = t;
      uint32_t length = (starts[h + 1] - starts[h]) + (starts[t + 1] - starts[t]);
      bool padded = k != last || right[k];
      if (!plain[h] || !plain[t] || (padded && length > widths[k])) stop = true;
      need += padded ? widths[k] : length;
    }
    if (stop || need > room - used) break;
    uint8_t *at = out + used, *end = at;  // end: after the last byte other than a space
    for (uint32_t k = 0; k <= last; k++) {
      uint32_t h = id[2 * k], t = id[2 * k + 1];
      uint32_t length = (starts[h + 1] - starts[h]) + (starts[t + 1] - starts[t]);
      uint32_t pad = k == last && !right[k] ? 0 : widths[k] - length;
      if (k > 0) {
        *at++ = ' ';
        *at++ = ' ';
      }
      if (right[k]) {
        memset(at, ' ', pad);
        at += pad;
      }
      for (int piece = 0; piece < 2; piece++) {
        uint32_t p = piece == 0 ? h : t, n = starts[p + 1] - starts[p];
        memcpy(at, bytes + starts[p], n);
        at += n;
        for (uint32_t j = 0; j < n; j++)  // the piece's last byte other than a space
          if (at[-1 - (int64_t)j] != ' ') {
            end = at - j;
            break;
          }
      }
      if (!right[k]) {
        memset(at, ' ', pad);
        at += pad;
      }
    }
    *end = '\n';
    used = (size_t)(end + 1 - out);
  }
  state[0] = row;
  state[1] = (uint32_t)used;
  return NULL;
}

napi_status RegisterTable(napi_env env, napi_value exports) {
  napi_value fn;
  napi_status status;
  if ((status = napi_create_function(env, "tableWidths", NAPI_AUTO_LENGTH, TableWidths, NULL, &fn)) != napi_ok ||
      (status = napi_set_named_property(env, exports, "tableWidths", fn)) != napi_ok ||
      (status = napi_create_function(env, "tableRows", NAPI_AUTO_LENGTH, TableRows, NULL, &fn)) != napi_ok)
    return status;
  return napi_set_named_property(env, exports, "tableRows", fn);
}
