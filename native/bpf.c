// Socket owners from a BPF task_file iterator (native/bpf/owners.bpf.c), loaded with libbpf (see
// portscope.c). libbpf is opened with dlopen at the first call, so the addon builds and loads where
// it is absent; the loaded program stays attached for the life of the process (a watcher asks
// again and again, and the verifier's pass costs more than the walk).
#include "common.h"
#include "bpf-api.h"

#include <dlfcn.h>
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static libbpf_api_t api;
static int apiLoaded; // 0: not tried, 1: loaded, -1: failed (apiError says why)
static char apiError[256];
static char lastMessage[256]; // libbpf's last warning: the reason a load failed, in its words

// The program attached once, and the bytes it came from (another object is loaded for one call).
static struct bpf_object *cachedObject;
static struct bpf_link *cachedLink;
static uint8_t *cachedBytes;
static size_t cachedSize;

// Keeps libbpf's warnings (never prints them: the library part of portscope prints nothing).
static int keep_message(enum libbpf_print_level level, const char *format, va_list args) {
  if (level != LIBBPF_WARN) return 0;
  char line[sizeof lastMessage];
  vsnprintf(line, sizeof line, format, args);
  size_t n = strlen(line);
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' ')) line[--n] = '\0';
  if (n > 0) memcpy(lastMessage, line, n + 1);
  return 0;
}

static int load_api(void) {
  if (apiLoaded != 0) return apiLoaded;
  apiLoaded = -1;
  void *lib = dlopen("libbpf.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    snprintf(apiError, sizeof apiError, "libbpf not found (%s)", dlerror());
    return -1;
  }
  struct {
    void **slot;
    const char *name;
  } symbols[] = {
      {(void **)&api.object_open_mem, "bpf_object__open_mem"},
      {(void **)&api.object_load, "bpf_object__load"},
      {(void **)&api.find_program_by_name, "bpf_object__find_program_by_name"},
      {(void **)&api.program_attach_iter, "bpf_program__attach_iter"},
      {(void **)&api.link_fd, "bpf_link__fd"},
      {(void **)&api.iter_create, "bpf_iter_create"},
      {(void **)&api.link_destroy, "bpf_link__destroy"},
      {(void **)&api.object_close, "bpf_object__close"},
      {(void **)&api.set_print, "libbpf_set_print"},
      {(void **)&api.find_map_by_name, "bpf_object__find_map_by_name"},
      {(void **)&api.map_set_max_entries, "bpf_map__set_max_entries"},
      {(void **)&api.map_fd, "bpf_map__fd"},
      {(void **)&api.map_update_elem, "bpf_map_update_elem"},
  };
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
    *symbols[i].slot = dlsym(lib, symbols[i].name);
    if (*symbols[i].slot == NULL) {
      snprintf(apiError, sizeof apiError, "libbpf.so.1 lacks %s (libbpf 1.0 or later needed)", symbols[i].name);
      return -1;
    }
  }
  api.set_print(keep_message);
  apiLoaded = 1;
  return 1;
}

const libbpf_api_t *bpf_api(char *why, size_t whySize) {
  pthread_mutex_lock(&lock);
  int loaded = load_api();
  if (loaded < 0) snprintf(why, whySize, "%s", apiError);
  pthread_mutex_unlock(&lock);
  return loaded < 0 ? NULL : &api;
}

const char *bpf_last_message(void) { return lastMessage; }

void bpf_clear_message(void) { lastMessage[0] = '\0'; }

// Opens, loads and attaches the program in `bytes`. Returns 0, or an errno with `why` filled in.
static int attach(const uint8_t *bytes, size_t size, struct bpf_object **object, struct bpf_link **link, char *why,
                  size_t whySize) {
  lastMessage[0] = '\0';
  const char *step = "open";
  *link = NULL;
  bpf_heap_enter();
  *object = api.object_open_mem(bytes, size, NULL);
  int err = *object == NULL ? errno : 0;
  if (err == 0) {
    step = "load";
    err = -api.object_load(*object);
  }
  bpf_heap_leave();
  if (err == 0) {
    step = "attach";
    struct bpf_program *program = api.find_program_by_name(*object, "owners");
    *link = program == NULL ? NULL : api.program_attach_iter(program, NULL);
    if (*link == NULL) err = program == NULL ? ENOENT : errno;
  }
  if (err == 0) return 0;
  if (err < 0) err = -err;
  snprintf(why, whySize, "BPF %s failed: %s%s%s", step, strerror(err), lastMessage[0] == '\0' ? "" : ": ",
           lastMessage);
  if (*object != NULL) api.object_close(*object);
  *object = NULL;
  return err == 0 ? EINVAL : err;
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  uint8_t *object;
  size_t objectSize;
  uint32_t *wanted; // sorted; NULL: every socket
  uint32_t wantedCount;
  uint32_t pid; // 0: every process; else this process only (its own link, see pid_link)
  bytes_t records;
  int error;
  char why[512];
} bpf_walk_t;

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

// libbpf's struct bpf_iter_attach_opts and the kernel's union bpf_iter_link_info (uapi linux/bpf.h,
// task iterators' parameters since Linux 6.1: tid, pid, pid_fd; 16 bytes with the cgroup member).
typedef struct {
  size_t sz;
  void *link_info;
  uint32_t link_info_len;
} iter_attach_opts_t;
typedef union {
  struct {
    uint32_t tid, pid, pid_fd;
  } task;
  uint64_t size[2];
} iter_link_info_t;

// A link of `object`'s program whose iterators walk process `pid`'s fd table only (BPF_TASK_ITER_TGID),
// or NULL with errno set. A kernel before 6.1 ignores the parameter: bpf_walk_execute keeps `pid`'s
// records only, so the result is the same there, only slower.
static struct bpf_link *pid_link(const struct bpf_object *object, uint32_t pid) {
  struct bpf_program *program = api.find_program_by_name(object, "owners");
  if (program == NULL) {
    errno = ENOENT;
    return NULL;
  }
  iter_link_info_t info;
  memset(&info, 0, sizeof info);
  info.task.pid = pid;
  iter_attach_opts_t opts;
  memset(&opts, 0, sizeof opts); // libbpf refuses options whose bytes past the last field (padding) are not 0
  opts.sz = sizeof opts;
  opts.link_info = &info;
  opts.link_info_len = sizeof info;
  return api.program_attach_iter(program, &opts);
}

// Creates one iterator over the attached program (attaching it first when needed; with w->pid, over a
// link of that process's of its own, destroyed once the iterator holds the program). Returns its fd,
// or -1 with w->error and w->why set; *link and *object are set when they must be freed by the caller.
static int open_iterator(bpf_walk_t *w, struct bpf_object **object, struct bpf_link **link) {
  *object = NULL;
  *link = NULL;
  pthread_mutex_lock(&lock);
  int fd = -1;
  if (load_api() < 0) {
    w->error = ENOENT;
    snprintf(w->why, sizeof w->why, "%s", apiError);
  } else {
    struct bpf_link *use = cachedLink;
    int same = cachedLink != NULL && cachedSize == w->objectSize && memcmp(cachedBytes, w->object, cachedSize) == 0;
    if (!same) {
      w->error = attach(w->object, w->objectSize, object, link, w->why, sizeof w->why);
      use = *link;
      if (w->error == 0 && cachedLink == NULL) {
        cachedObject = *object;
        cachedLink = *link;
        cachedBytes = w->object;
        cachedSize = w->objectSize;
        w->object = NULL;
        *object = NULL;
        *link = NULL;
      }
    }
    struct bpf_link *own = NULL;
    if (w->error == 0 && w->pid != 0) {
      own = pid_link(*object != NULL ? *object : cachedObject, w->pid);
      if (own == NULL) {
        w->error = errno == 0 ? EINVAL : errno;
        snprintf(w->why, sizeof w->why, "BPF attach to process %u failed: %s", w->pid, strerror(w->error));
      }
      use = own;
    }
    if (w->error == 0) {
      fd = api.iter_create(api.link_fd(use));
      if (fd < 0) {
        w->error = -fd;
        snprintf(w->why, sizeof w->why, "BPF iterator failed: %s", strerror(w->error));
      }
    }
    if (own != NULL) api.link_destroy(own);
  }
  pthread_mutex_unlock(&lock);
  return fd;
}

static void bpf_walk_execute(napi_env env, void *data) {
  (void)env;
  bpf_walk_t *w = data;
  struct bpf_object *object;
  struct bpf_link *link;
  int fd = open_iterator(w, &object, &link);
  bytes_t raw = {0};
  if (fd >= 0) {
    uint8_t chunk[1 << 16];
    for (;;) {
      ssize_t got = read(fd, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        w->error = errno;
        snprintf(w->why, sizeof w->why, "BPF iterator read failed: %s", strerror(errno));
      }
      if (got <= 0) break;
      if (bytes_append(&raw, chunk, (size_t)got) != 0) w->error = ENOMEM;
    }
    close(fd);
  }
  // Records are (pid, fd, inode); the fd walk's triples, which the owner join reads, are (inode, pid, fd).
  const uint32_t *record = (const uint32_t *)raw.data;
  for (size_t i = 0; w->error == 0 && i + 3 <= raw.length / 4; i += 3) {
    uint32_t triple[3] = {record[i + 2], record[i], record[i + 1]};
    if (w->pid != 0 && triple[1] != w->pid) continue;
    if (w->wanted != NULL && bsearch(&triple[0], w->wanted, w->wantedCount, 4, cmp_u32) == NULL) continue;
    if (bytes_append(&w->records, triple, sizeof triple) != 0) w->error = ENOMEM;
  }
  free(raw.data);
  if (link != NULL) api.link_destroy(link);
  if (object != NULL) api.object_close(object);
}

static void bpf_walk_complete(napi_env env, napi_status status, void *data) {
  bpf_walk_t *w = data;
  napi_value arrayBuffer, array;
  void *bytes;
  if (status == napi_ok && w->error == 0 &&
      napi_create_arraybuffer(env, w->records.length, &bytes, &arrayBuffer) == napi_ok) {
    if (w->records.length > 0) memcpy(bytes, w->records.data, w->records.length);
    napi_create_typedarray(env, napi_uint32_array, w->records.length / 4, arrayBuffer, 0, &array);
    napi_resolve_deferred(env, w->deferred, array);
  } else {
    reject_errno(env, w->deferred, w->error, w->why);
  }
  napi_delete_async_work(env, w->work);
  free(w->records.data);
  free(w->object);
  free(w->wanted);
  free(w);
}

napi_value BpfOwners(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t pid = 0; // 0: every process
  napi_valuetype kind = napi_undefined;
  if (argc >= 3) CHECK(env, napi_typeof(env, argv[2], &kind));
  if (kind == napi_number) {
    double value = 0;
    CHECK(env, napi_get_value_double(env, argv[2], &value));
    if (!(value >= 1 && value <= UINT32_MAX && value == (double)(uint32_t)value)) {
      return throw_errno(env, EINVAL, "bpfOwners: pid must be a process id (an integer, 1 to 2^32-1)");
    }
    pid = (uint32_t)value;
  } else if (kind != napi_undefined) {
    return throw_errno(env, EINVAL, "bpfOwners: pid must be a number");
  }
  bpf_walk_t *w = calloc(1, sizeof *w);
  if (w == NULL) return throw_errno(env, ENOMEM, "bpfOwners");
  int err = argc < 1 ? EINVAL : copy_buffer_arg(env, argv[0], &w->object, &w->objectSize);
  if (err != 0) {
    free(w);
    return throw_errno(env, err, "bpfOwners: expected (object: Buffer, wanted?: Uint32Array)");
  }
  kind = napi_undefined;
  if (argc >= 2) CHECK(env, napi_typeof(env, argv[1], &kind));
  if (kind == napi_object) {
    napi_typedarray_type type;
    size_t count;
    void *wanted;
    CHECK(env, napi_get_typedarray_info(env, argv[1], &type, &count, &wanted, NULL, NULL));
    if (type != napi_uint32_array || (w->wanted = malloc(count * 4 + 4)) == NULL) {
      free(w->object);
      free(w);
      return throw_errno(env, EINVAL, "bpfOwners: wanted must be a Uint32Array");
    }
    memcpy(w->wanted, wanted, count * 4);
    qsort(w->wanted, count, 4, cmp_u32);
    w->wantedCount = (uint32_t)count;
  }
  w->pid = pid;
  return queue_async(env, "portscope:bpfOwners", bpf_walk_execute, bpf_walk_complete, w, &w->work, &w->deferred);
}
