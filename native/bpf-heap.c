// Makes libbpf's load cheap. Each BPF object load parses the kernel's BTF (/sys/kernel/btf/vmlinux, ~5.5 MB)
// into ~11 MB of fresh malloc'd memory: ~2,800 page faults, which cost 60-70 ms of CPU on a VM where a fault
// is expensive (docs/performance.md, "Where the BPF load's time goes"). Before a load, bpf_heap_enter grows
// the calling thread's malloc arena by HEAP_BYTES, asks for transparent huge pages on it (MADV_HUGEPAGE:
// honoured where THP is "madvise" or "always"), fills it in one call (MADV_POPULATE_WRITE) and frees it, so
// that libbpf's buffers come from memory already mapped, in 2 MB pages: a handful of faults instead of
// thousands. For the freed block to stay in the arena, malloc must neither serve it (nor libbpf's 5.5 MB
// buffers) with mmap nor trim it back, so the loads raise M_MMAP_THRESHOLD and M_TRIM_THRESHOLD for the
// process; bpf_heap_leave, after the last load under way, sets glibc's defaults back and gives the memory
// back (malloc_trim), so the rest of the process allocates as before. Only speed depends on this; with
// another C library than glibc (musl has no mallopt) both calls do nothing.
#include "common.h"
#include "bpf-api.h"

#ifdef __GLIBC__
#include <malloc.h>
#include <pthread.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 // Linux 5.14
#endif

#define HUGE_PAGE ((size_t)2 << 20)
#define HEAP_BYTES ((size_t)12 << 20) // libbpf 1.1 loading either program peaks at ~11 MB
#define LOAD_MMAP_THRESHOLD (16 << 20)
#define LOAD_TRIM_THRESHOLD (32 << 20)
#define DEFAULT_MMAP_THRESHOLD (128 << 10) // glibc's defaults (M_TRIM_THRESHOLD is twice the other)
#define DEFAULT_TRIM_THRESHOLD (256 << 10)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int loads; // loads under way

void bpf_heap_enter(void) {
  pthread_mutex_lock(&lock);
  if (loads++ == 0) {
    mallopt(M_MMAP_THRESHOLD, LOAD_MMAP_THRESHOLD);
    mallopt(M_TRIM_THRESHOLD, LOAD_TRIM_THRESHOLD);
  }
  pthread_mutex_unlock(&lock);
  uint8_t *block = malloc(HEAP_BYTES + HUGE_PAGE);
  if (block == NULL) return;
  uint8_t *aligned = (uint8_t *)(((uintptr_t)block + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
  madvise(aligned, HEAP_BYTES, MADV_HUGEPAGE);
  if (madvise(aligned, HEAP_BYTES, MADV_POPULATE_WRITE) != 0) memset(aligned, 0, HEAP_BYTES);
  free(block);
}

void bpf_heap_leave(void) {
  pthread_mutex_lock(&lock);
  if (--loads == 0) {
    mallopt(M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD);
    mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD);
    malloc_trim(0);
  }
  pthread_mutex_unlock(&lock);
}
#else
void bpf_heap_enter(void) {}
void bpf_heap_leave(void) {}
#endif
