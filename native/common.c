// N-API error helpers and the growable byte buffer (declared in common.h).
#include "common.h"

const char *errno_name(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *name = strerrorname_np(err);
  if (name != NULL) return name;
#endif
  return "EUNKNOWN";
}

napi_value throw_errno(napi_env env, int err, const char *what) {
  char message[512];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, errno_name(err), message);
  return NULL;
}

int bytes_append(bytes_t *b, const void *src, size_t n) {
  if (b->length + n > b->capacity) {
    size_t capacity = b->capacity == 0 ? 1 << 16 : b->capacity;
    while (capacity < b->length + n) capacity *= 2;
    uint8_t *data = realloc(b->data, capacity);
    if (data == NULL) return -1;
    b->data = data;
    b->capacity = capacity;
  }
  memcpy(b->data + b->length, src, n);
  b->length += n;
  return 0;
}
