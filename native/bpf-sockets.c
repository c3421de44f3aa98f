// Every TCP and UDP socket of every network namespace in one pass (native/bpf/sockets.bpf.c), loaded with
// libbpf (opened by bpf.c). The program's `records` map is sized before each load from the caller's
// estimate; when the walk found more sockets (it counts them all), it is loaded again with room for that
// many and a margin (at most 4 tries: the host's sockets may keep growing). The caller may narrow the walk
// to one local port and to TCP or UDP (the program's `config` map). The program is loaded, run once and
// closed: unlike the owners program, a listing runs it once per process.
#include "common.h"
#include "bpf-api.h"

#include <sys/mman.h>

#define RECORD_SIZE 64 // struct record of sockets.bpf.c
#define FLAG_OVERFLOW 1
#define MAX_TRIES 4
#define MAX_CAPACITY (1u << 24)
#define CONFIG_PORT 1 // struct config of sockets.bpf.c
#define CONFIG_NO_TCP 2
#define CONFIG_NO_UDP 4

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  uint8_t *object;
  size_t objectSize;
  uint32_t capacity;
  uint32_t config[2]; // struct config of sockets.bpf.c: CONFIG_* flags, port
  uint32_t count;     // sockets that matched in the last try (more than its capacity: FLAG_OVERFLOW)
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
  bpf_heap_enter();
  struct bpf_object *object = api->object_open_mem(w->object, w->objectSize, NULL);
  if (object == NULL) err = errno;
  struct bpf_map *map = err == 0 ? api->find_map_by_name(object, "records") : NULL;
  if (err == 0 && map == NULL) err = ENOENT;
  if (err == 0) err = -api->map_set_max_entries(map, capacity);
  if (err == 0) {
    step = "load";
    err = -api->object_load(object);
  }
  bpf_heap_leave();
  if (err == 0) {
    step = "config";
    struct bpf_map *config = api->find_map_by_name(object, "config");
    uint32_t zero = 0;
    err = config == NULL ? ENOENT : -api->map_update_elem(api->map_fd(config), &zero, w->config, 0);
    if (err < 0) err = errno;
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
  w->count = result[0];
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
  for (int i = 0; i < MAX_TRIES; i++) {
    w->error = run_once(api, w, capacity);
    if (w->error != 0 || (w->flags & FLAG_OVERFLOW) == 0 || capacity == MAX_CAPACITY) break;
    // The walk counted every socket: room for those and for the ones that come before the next walk.
    uint64_t next = (uint64_t)w->count + w->count / 8 + 1024;
    capacity = next > MAX_CAPACITY ? MAX_CAPACITY : (uint32_t)next;
  }
  if (w->error != 0 || (w->flags & FLAG_OVERFLOW) == 0) return;
  w->error = EOVERFLOW;
  snprintf(w->why, sizeof w->why, "BPF socket walk: %u sockets, more than it could hold (at most %u, %d tries)",
           w->count, MAX_CAPACITY, MAX_TRIES);
}

static void complete(napi_env env, napi_status status, void *data) {
  bpf_sockets_t *w = data;
  napi_value result, arrayBuffer, flags;
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
    reject_errno(env, w->deferred, w->error, w->why);
  }
  napi_delete_async_work(env, w->work);
  free(w->records.data);
  free(w->object);
  free(w);
}

// An optional uint32 argument at most `max`: 0 with *value set (left alone when undefined), or -1.
static int optional_uint32(napi_env env, size_t argc, napi_value *argv, size_t at, uint32_t max, uint32_t *value,
                           bool *given) {
  napi_valuetype kind = napi_undefined;
  *given = false;
  if (at < argc && napi_typeof(env, argv[at], &kind) != napi_ok) return -1;
  if (kind == napi_undefined) return 0;
  if (napi_get_value_uint32(env, argv[at], value) != napi_ok || *value > max) return -1;
  *given = true;
  return 0;
}

napi_value BpfSockets(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t capacity = 0, port = 0, protocols = 3;
  bool portGiven, protocolsGiven;
  if (argc < 2 || napi_get_value_uint32(env, argv[1], &capacity) != napi_ok || capacity == 0 ||
      capacity > MAX_CAPACITY || optional_uint32(env, argc, argv, 2, 65535, &port, &portGiven) != 0 ||
      optional_uint32(env, argc, argv, 3, 3, &protocols, &protocolsGiven) != 0 || protocols == 0)
    return throw_errno(env, EINVAL,
                       "bpfSockets: expected (object: Buffer, capacity: 1 to 16777216, port?: 0 to 65535, "
                       "protocols?: 1 TCP, 2 UDP, 3 both)");
  bpf_sockets_t *w = calloc(1, sizeof *w);
  if (w == NULL) return throw_errno(env, ENOMEM, "bpfSockets");
  int err = copy_buffer_arg(env, argv[0], &w->object, &w->objectSize);
  if (err != 0) {
    free(w);
    return throw_errno(env, err, "bpfSockets: expected object to be a Buffer");
  }
  w->capacity = capacity;
  w->config[0] = (portGiven ? CONFIG_PORT : 0) | ((protocols & 1) == 0 ? CONFIG_NO_TCP : 0) |
                 ((protocols & 2) == 0 ? CONFIG_NO_UDP : 0);
  w->config[1] = port;
  return queue_async(env, "portscope:bpfSockets", execute, complete, w, &w->work, &w->deferred);
}
