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

napi_value queue_async(napi_env env, const char *name, napi_async_execute_callback execute,
                       napi_async_complete_callback complete, void *data, napi_async_work *work,
                       napi_deferred *deferred) {
  napi_value promise, resource;
  CHECK(env, napi_create_promise(env, deferred, &promise));
  CHECK(env, napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource));
  CHECK(env, napi_create_async_work(env, NULL, resource, execute, complete, data, work));
  CHECK(env, napi_queue_async_work(env, *work));
  return promise;
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

void reject_errno(napi_env env, napi_deferred deferred, int err, const char *why) {
  napi_value code, message, error;
  if (err == 0) err = ENOMEM;
  napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, why == NULL || why[0] == '\0' ? strerror(err) : why, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_reject_deferred(env, deferred, error);
}

int copy_buffer_arg(napi_env env, napi_value value, uint8_t **bytes, size_t *size) {
  bool isBuffer = false;
  void *data;
  if (napi_is_buffer(env, value, &isBuffer) != napi_ok || !isBuffer) return EINVAL;
  if (napi_get_buffer_info(env, value, &data, size) != napi_ok) return EINVAL;
  if ((*bytes = malloc(*size + 1)) == NULL) return ENOMEM;
  memcpy(*bytes, data, *size);
  return 0;
}

bool typed_arg(napi_env env, napi_value value, napi_typedarray_type want, void **data, size_t *length) {
  bool is = false;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, value, &is) == napi_ok && is &&
      napi_get_typedarray_info(env, value, &type, length, data, NULL, NULL) == napi_ok && type == want)
    return true;
  napi_throw_error(env, "EINVAL", "portscope native: an argument is not a typed array of the expected type");
  return false;
}

bool uint32_arg(napi_env env, napi_value value, uint32_t *out) {
  napi_valuetype kind;
  double number;
  if (napi_typeof(env, value, &kind) == napi_ok && kind == napi_number &&
      napi_get_value_double(env, value, &number) == napi_ok && number >= 0 && number <= 4294967295.0 &&
      number == (double)(uint32_t)number) {
    *out = (uint32_t)number;
    return true;
  }
  napi_throw_error(env, "EINVAL", "portscope native: an argument is not an integer from 0 to 2^32-1");
  return false;
}
