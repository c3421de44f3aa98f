// Every TCP and UDP socket of every network namespace in one pass (native/bpf/sockets.bpf.c), loaded with
// libbpf (opened by bpf.c). The program's `records` map is sized before each load from the caller's
// estimate, doubled and loaded again when the walk found more sockets (at most 4 tries); the program is
// loaded, run once and closed: unlike the owners program, a listing runs it once per process.
#include "common.h"
#include "bpf-api.h"

#include <sys/mman.h>

#define RECORD_SIZE 64 // struct record of sockets.bpf.c
#define FLAG_OVERFLOW 1
#define MAX_TRIES 4

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  uint8_t *object;
  size_t objectSize;
  uint32_t capacity;
  uint32_t flags;
  bytes_t records;
  int error;
  char why[512];
} bpf_sockets_t;

// One load and run with room for `capacity` records: 0 with the records appended to w->records and
// w->flags set, or an errno with w->why filled in.
static int run_once(const libbpf_api_t *api, bpf_sockets_t *w, uint32_t capacity) {
  const char *step = "open";
  struct bpf_link *link = NULL;
  int fd = -1, err = 0;
  bpf_clear_message();
  struct bpf_object *object = api->object_open_mem(w->object, w->objectSize, NULL);
  if (object == NULL) err = errno;
  struct bpf_map *map = err == 0 ? api->find_map_by_name(object, "records") : NULL;
  if (err == 0 && map == NULL) err = ENOENT;
  if (err == 0) err = -api->map_set_max_entries(map, capacity);
  if (err == 0) {
    step = "load";
    err = -api->object_load(object);
  }
  if (err == 0) {
    step = "attach";
    struct bpf_program *program = api->find_program_by_name(object, "sockets");
    link = program == NULL ? NULL : api->program_attach_iter(program, NULL);
    if (link == NULL) err = program == NULL ? ENOENT : errno;
  }
  if (err == 0) {
    step = "iterator";
    fd = api->iter_create(api->link_fd(link));
    if (fd < 0) err = -fd;
  }
  uint32_t result[2] = {0, 0};
  size_t got = 0;
  while (err == 0) {
    ssize_t n = read(fd, (uint8_t *)result + got, sizeof result - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    if (n <= 0) break;
    got += (size_t)n;
  }
  if (err == 0 && got != sizeof result) err = EIO;
  if (err == 0 && (result[1] & FLAG_OVERFLOW) == 0) {
    step = "mmap";
    size_t size = ((size_t)capacity * RECORD_SIZE + 4095) & ~(size_t)4095;
    void *mapped = mmap(NULL, size, PROT_READ, MAP_SHARED, api->map_fd(map), 0);
    if (mapped == MAP_FAILED) err = errno;
    else {
      w->records.length = 0;
      if (bytes_append(&w->records, mapped, (size_t)result[0] * RECORD_SIZE) != 0) err = ENOMEM;
      munmap(mapped, size);
    }
  }
  w->flags = result[1];
  if (fd >= 0) close(fd);
  if (link != NULL) api->link_destroy(link);
  if (object != NULL) api->object_close(object);
  if (err < 0) err = -err;
  if (err != 0) {
    const char *said = bpf_last_message();
    snprintf(w->why, sizeof w->why, "BPF %s failed: %s%s%s", step, strerror(err), said[0] == '\0' ? "" : ": ", said);
  }
  return err;
}

static void execute(napi_env env, void *data) {
  (void)env;
  bpf_sockets_t *w = data;
  const libbpf_api_t *api = bpf_api(w->why, sizeof w->why);
  if (api == NULL) {
    w->error = ENOENT;
    return;
  }
  uint32_t capacity = w->capacity;
  for (int i = 0; i < MAX_TRIES; i++, capacity *= 2) {
    w->error = run_once(api, w, capacity);
    if (w->error != 0 || (w->flags & FLAG_OVERFLOW) == 0) return;
  }
  w->error = EOVERFLOW;
  snprintf(w->why, sizeof w->why, "BPF socket walk: more than %u sockets after %d tries", capacity / 2, MAX_TRIES);
}

static void complete(napi_env env, napi_status status, void *data) {
  bpf_sockets_t *w = data;
  napi_value result, arrayBuffer, flags, code, message, error;
  void *bytes;
  if (status == napi_ok && w->error == 0 &&
      napi_create_arraybuffer(env, w->records.length, &bytes, &arrayBuffer) == napi_ok) {
    if (w->records.length > 0) memcpy(bytes, w->records.data, w->records.length);
    napi_create_object(env, &result);
    napi_create_uint32(env, w->flags, &flags);
    napi_set_named_property(env, result, "records", arrayBuffer);
    napi_set_named_property(env, result, "flags", flags);
    napi_resolve_deferred(env, w->deferred, result);
  } else {
    int err = w->error == 0 ? ENOMEM : w->error;
    napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, w->why[0] == '\0' ? strerror(err) : w->why, NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, code, message, &error);
    napi_reject_deferred(env, w->deferred, error);
  }
  napi_delete_async_work(env, w->work);
  free(w->records.data);
  free(w->object);
  free(w);
}

napi_value BpfSockets(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *object;
  size_t objectSize;
  bool isBuffer = false;
  uint32_t capacity = 0;
  if (argc >= 1) CHECK(env, napi_is_buffer(env, argv[0], &isBuffer));
  if (!isBuffer || argc < 2 || napi_get_value_uint32(env, argv[1], &capacity) != napi_ok || capacity == 0 ||
      capacity > (1u << 24))
    return throw_errno(env, EINVAL, "bpfSockets: expected (object: Buffer, capacity: 1 to 16777216)");
  CHECK(env, napi_get_buffer_info(env, argv[0], &object, &objectSize));
  bpf_sockets_t *w = calloc(1, sizeof *w);
  if (w == NULL || (w->object = malloc(objectSize + 1)) == NULL) {
    free(w);
    return throw_errno(env, ENOMEM, "bpfSockets");
  }
  memcpy(w->object, object, objectSize);
  w->objectSize = objectSize;
  w->capacity = capacity;
  napi_value promise, name;
  CHECK(env, napi_create_promise(env, &w->deferred, &promise));
  CHECK(env, napi_create_string_utf8(env, "portscope:bpfSockets", NAPI_AUTO_LENGTH, &name));
  CHECK(env, napi_create_async_work(env, NULL, name, execute, complete, w, &w->work));
  CHECK(env, napi_queue_async_work(env, w->work));
  return promise;
}
