// The few libbpf 1.x entry points portscope uses, declared here so that the addon builds without
// libbpf-dev and loads without libbpf: bpf.c opens libbpf.so.1 with dlopen at run time and looks
// these up by name. Signatures as in libbpf's libbpf.h and bpf.h (stable since 1.0); the option
// structs are never passed (NULL), so they stay opaque.
#ifndef PORTSCOPE_BPF_API_H
#define PORTSCOPE_BPF_API_H

#include <stdarg.h>
#include <stddef.h>

struct bpf_object;
struct bpf_program;
struct bpf_link;
struct bpf_map;

enum libbpf_print_level {
  LIBBPF_WARN,
  LIBBPF_INFO,
  LIBBPF_DEBUG,
};

typedef int (*libbpf_print_fn_t)(enum libbpf_print_level level, const char *format, va_list args);

typedef struct {
  struct bpf_object *(*object_open_mem)(const void *buf, size_t size, const void *opts);
  int (*object_load)(struct bpf_object *object);
  struct bpf_program *(*find_program_by_name)(const struct bpf_object *object, const char *name);
  struct bpf_link *(*program_attach_iter)(const struct bpf_program *program, const void *opts);
  int (*link_fd)(const struct bpf_link *link);
  int (*iter_create)(int link_fd);
  int (*link_destroy)(struct bpf_link *link);
  void (*object_close)(struct bpf_object *object);
  libbpf_print_fn_t (*set_print)(libbpf_print_fn_t fn);
  struct bpf_map *(*find_map_by_name)(const struct bpf_object *object, const char *name);
  int (*map_set_max_entries)(struct bpf_map *map, unsigned int maxEntries);
  int (*map_fd)(const struct bpf_map *map);
  int (*map_update_elem)(int fd, const void *key, const void *value, unsigned long long flags);
} libbpf_api_t;

// libbpf, opened on the first call (thread-safe): NULL with `why` filled in when it cannot be.
const libbpf_api_t *bpf_api(char *why, size_t whySize);

// libbpf's last warning (the reason a load failed, in its words), cleared by bpf_clear_message.
const char *bpf_last_message(void);
void bpf_clear_message(void);

// Readies the calling thread's malloc arena for a libbpf load (bpf-heap.c): enter before opening an
// object, leave once it is loaded (or failed to), on the same thread.
void bpf_heap_enter(void);
void bpf_heap_leave(void);

#endif
