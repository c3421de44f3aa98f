// The table writer of a listing in columns (src/cli/render/column-table.ts): rows whose cells are made of
// pieces of text, each piece made once in TypeScript and named by a number, written here as bytes.
//
//   tableWidths(lengths, ids, count, widths, suffixes?) -> undefined
//     For each column k < widths.length, widths[k] = the largest of widths[k] and, over rows 0..count-1,
//     lengths[head] + lengths[tail] (the piece numbers ids[2k][row] and ids[2k+1][row]; a null tail adds 0).
//
//   With `suffixes` (a Uint32Array of a piece number per column), a piece number with bit 31 set is a number
//   piece: the decimal digits of its low 31 bits followed by piece suffixes[k] (a process's fd and `))`, with
//   no text made per number in TypeScript), but 0xffffffff (a row a cell left unnumbered) is out of range.
//   Without `suffixes`, every such number is out of range. `tableNumbers` (true) says this addon takes them.
//
//   tableRows(bytes, starts, plain, ids, widths, right, from, to, out, state, suffixes?) -> undefined
//     Writes rows from..to-1 into `out` as ChunkedOutput.addRow writes one: each cell (head then tail piece,
//     piece i being bytes[starts[i]..starts[i+1]]) padded with spaces to widths[k] (before the text where
//     right[k]), two spaces between cells, the last cell unpadded when left-aligned, trailing spaces
//     trimmed, '\n'. At most 64 columns. Stops before a row that does not fit in what is left of `out`, or that has a piece
//     not made of printable ASCII (plain[i] == 0) or a cell wider than its column: state[0] = the next row
//     to write, state[1] = the bytes written. `out` past those bytes may be written too (pieces and padding
//     are copied 16 bytes at a time where they fit): only out[0..state[1]] is the rows. Throws EINVAL for a
//     piece number out of range or arrays shorter than the rows.
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

#define NUMBER_PIECE 0x80000000u

// The pieces of a table: piece i is bytes[starts[i]..starts[i + 1]], copyable where plain[i]; a number piece
// (NUMBER_PIECE set) of column k is its decimal digits then piece suffixes[k] (suffixes NULL: none allowed).
typedef struct {
  const uint8_t *bytes, *plain;
  const uint32_t *starts, *lengths, *suffixes;
  size_t count, size;
} pieces_t;

static uint32_t digits_of(uint32_t n) {
  uint32_t d = 1;
  while (n >= 10) n /= 10, d++;
  return d;
}

// Whether piece `id` of column k exists (and, with bytes, lies inside them).
static bool piece_ok(const pieces_t *p, uint32_t id, uint32_t k) {
  if (id == 0xffffffffu) return false;  // UNHANDLED (column-cells.ts): a row a cell left, never a number
  if (id & NUMBER_PIECE) {
    if (p->suffixes == NULL) return false;
    id = p->suffixes[k];
  }
  if (id >= p->count) return false;
  return p->bytes == NULL || (p->starts[id] <= p->starts[id + 1] && p->starts[id + 1] <= p->size);
}

// Piece `id`'s length (piece_ok): in UTF-16 units from `lengths` (tableWidths), else in bytes.
static uint32_t piece_length(const pieces_t *p, uint32_t id, uint32_t k) {
  uint32_t extra = 0;
  if (id & NUMBER_PIECE) {
    extra = digits_of(id & ~NUMBER_PIECE);
    id = p->suffixes[k];
  }
  return extra + (p->lengths != NULL ? p->lengths[id] : p->starts[id + 1] - p->starts[id]);
}

static bool piece_plain(const pieces_t *p, uint32_t id, uint32_t k) {
  return p->plain[id & NUMBER_PIECE ? p->suffixes[k] : id] != 0;
}

// Copies n bytes from `from` to `to`: as one 16-byte copy (a few instructions, where memcpy of a length
// known only at run time is a call) when n <= 16 and 16 bytes can be read at `from` and written at `to`
// (`from_end`, `to_end`: the ends of the two buffers). The bytes past `to + n` are written over later, or
// lie past the row's end.
static inline void copy16(uint8_t *to, const uint8_t *from, uint32_t n, const uint8_t *from_end,
                          const uint8_t *to_end) {
  if (n <= 16 && from + 16 <= from_end && to + 16 <= to_end) memcpy(to, from, 16);
  else memcpy(to, from, n);
}

// Writes `pad` spaces at `at` (before `at_end`; as copy16, 16 at once when they fit); returns their end.
static inline uint8_t *spaces(uint8_t *at, uint32_t pad, const uint8_t *at_end) {
  static const uint8_t sixteen[16] = "                ";
  if (pad <= 16 && at + 16 <= at_end) memcpy(at, sixteen, 16);
  else memset(at, ' ', pad);
  return at + pad;
}

// Writes piece `id` (piece_ok, plain; `length` its piece_length) at `at`, before `at_end` (copy16); returns
// its end. *end: after its last byte other than a space.
static uint8_t *piece_write(const pieces_t *p, uint32_t id, uint32_t k, uint32_t length, uint8_t *at,
                            const uint8_t *at_end, uint8_t **end) {
  if (id & NUMBER_PIECE) {
    uint32_t n = id & ~NUMBER_PIECE;
    id = p->suffixes[k];
    uint32_t d = length - (p->starts[id + 1] - p->starts[id]);
    for (uint32_t j = d; j > 0; j--, n /= 10) at[j - 1] = (uint8_t)('0' + n % 10);
    at += d;
    *end = at;
  }
  uint32_t n = p->starts[id + 1] - p->starts[id];
  if (n == 0) return at;
  copy16(at, p->bytes + p->starts[id], n, p->bytes + p->size, at_end);
  at += n;
  for (uint32_t j = 0; j < n; j++)  // the piece's last byte other than a space
    if (at[-1 - (int64_t)j] != ' ') {
      *end = at - j;
      break;
    }
  return at;
}

// The optional `suffixes` argument: NULL when absent, false (thrown) when not a Uint32Array of `columns`.
static bool suffixes_arg(napi_env env, size_t argc, napi_value *argv, size_t at, uint32_t columns,
                         const uint32_t **suffixes) {
  *suffixes = NULL;
  napi_valuetype kind = napi_undefined;
  if (argc > at && napi_typeof(env, argv[at], &kind) != napi_ok) return false;
  if (kind == napi_undefined || kind == napi_null) return true;
  size_t length;
  if (!typed_arg(env, argv[at], napi_uint32_array, (void **)suffixes, &length)) return false;
  if (length < columns) {
    napi_throw_error(env, "EINVAL", "portscope native: a suffix per column expected");
    return false;
  }
  return true;
}

static napi_value TableWidths(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t *lengths, *widths, count;
  size_t pieces, measured;
  cells_t cells;
  if (!typed_arg(env, argv[0], napi_uint32_array, (void **)&lengths, &pieces)) return NULL;
  if (!uint32_arg(env, argv[2], &count)) return NULL;
  if (!cells_arg(env, argv[1], count, &cells)) return NULL;
  if (!typed_arg(env, argv[3], napi_uint32_array, (void **)&widths, &measured)) return NULL;
  pieces_t p = {.lengths = lengths, .count = pieces};
  if (!suffixes_arg(env, argc, argv, 4, cells.count, &p.suffixes)) return NULL;
  if (measured > cells.count) measured = cells.count;
  for (uint32_t k = 0; k < measured; k++) {
    const uint32_t *head = cells.head[k], *tail = cells.tail[k];
    uint32_t widest = widths[k];
    for (uint32_t row = 0; row < count; row++) {
      uint32_t h = head[row], t = tail == NULL ? 0 : tail[row];
      if (!piece_ok(&p, h, k) || !piece_ok(&p, t, k)) {
        napi_throw_error(env, "EINVAL", "portscope native: a piece number is out of range");
        return NULL;
      }
      uint32_t width = piece_length(&p, h, k) + piece_length(&p, t, k);
      if (width > widest) widest = width;
    }
    widths[k] = widest;
  }
  return NULL;
}

static napi_value TableRows(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
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
  pieces_t p = {.bytes = bytes, .plain = plain, .starts = starts, .count = pieces, .size = size};
  if (!suffixes_arg(env, argc, argv, 10, cells.count, &p.suffixes)) return NULL;
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
    uint32_t id[2 * MAX_COLUMNS], length[2 * MAX_COLUMNS];
    bool stop = false;
    for (uint32_t k = 0; k <= last && !stop; k++) {
      uint32_t h = cells.head[k][row], t = cells.tail[k] == NULL ? 0 : cells.tail[k][row];
      if (!piece_ok(&p, h, k) || !piece_ok(&p, t, k)) {
        napi_throw_error(env, "EINVAL", "portscope native: a piece number is out of range");
        return NULL;
      }
      id[2 * k] = h;
      id[2 * k + 1] = t;
      length[2 * k] = piece_length(&p, h, k);
      length[2 * k + 1] = piece_length(&p, t, k);
      uint32_t cell = length[2 * k] + length[2 * k + 1];
      bool padded = k != last || right[k];
      if (!piece_plain(&p, h, k) || !piece_plain(&p, t, k) || (padded && cell > widths[k])) stop = true;
      need += padded ? widths[k] : cell;
    }
    if (stop || need > room - used) break;
    uint8_t *at = out + used, *end = at;  // end: after the last byte other than a space
    for (uint32_t k = 0; k <= last; k++) {
      uint32_t cell = length[2 * k] + length[2 * k + 1];
      uint32_t pad = k == last && !right[k] ? 0 : widths[k] - cell;
      if (k > 0) {
        *at++ = ' ';
        *at++ = ' ';
      }
      if (right[k]) at = spaces(at, pad, out + room);
      at = piece_write(&p, id[2 * k], k, length[2 * k], at, out + room, &end);
      at = piece_write(&p, id[2 * k + 1], k, length[2 * k + 1], at, out + room, &end);
      if (!right[k]) at = spaces(at, pad, out + room);
    }
    *end = '\n';
    used = (size_t)(end + 1 - out);
  }
  state[0] = row;
  state[1] = (uint32_t)used;
  return NULL;
}

napi_status RegisterTable(napi_env env, napi_value exports) {
  napi_value fn, yes;
  napi_status status;
  if ((status = napi_create_function(env, "tableWidths", NAPI_AUTO_LENGTH, TableWidths, NULL, &fn)) != napi_ok ||
      (status = napi_set_named_property(env, exports, "tableWidths", fn)) != napi_ok ||
      (status = napi_create_function(env, "tableRows", NAPI_AUTO_LENGTH, TableRows, NULL, &fn)) != napi_ok ||
      (status = napi_set_named_property(env, exports, "tableRows", fn)) != napi_ok ||
      (status = napi_get_boolean(env, true, &yes)) != napi_ok)
    return status;
  return napi_set_named_property(env, exports, "tableNumbers", yes);
}
