// Makes libbpf's load cheap on its first call in a thread. Each BPF object load parses the kernel's BTF
// (/sys/kernel/btf/vmlinux, ~5.5 MB) into ~11 MB of fresh malloc'd memory: ~2,800 page faults, which cost
// 60-70 ms of CPU on a VM where a fault is expensive (docs/performance.md, "Where the BPF load's time goes").
// Before the first load in a thread, this grows that thread's malloc arena by HEAP_BYTES, asks for
// transparent huge pages on it (MADV_HUGEPAGE: honoured where THP is "madvise" or "always"), fills it in
// one call (MADV_POPULATE_WRITE) and frees it, so that libbpf's buffers come from memory already mapped, in
// 2 MB pages: a handful of faults instead of thousands. For the freed block to stay in the arena, malloc
// must neither serve it (nor libbpf's 5.5 MB buffers) with mmap nor trim it back: the first call raises
// M_MMAP_THRESHOLD and M_TRIM_THRESHOLD for the process (glibc's own dynamic threshold would raise them after
// the first large free anyway, so the change is small). Only speed depends on this: any step that fails
// is skipped.
#include "common.h"
#include "bpf-api.h"

#include <malloc.h>
#include <pthread.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 // Linux 5.14
#endif

#define HUGE_PAGE ((size_t)2 << 20)
#define HEAP_BYTES ((size_t)16 << 20) // libbpf 1.1 loading either program peaks at ~11 MB
#define MMAP_THRESHOLD (32 << 20)     // glibc's cap for its dynamic threshold
#define TRIM_THRESHOLD (64 << 20)

static pthread_once_t tuned = PTHREAD_ONCE_INIT;
static __thread int prepared;

static void tune_malloc(void) {
  mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
  mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
}

void bpf_prepare_heap(void) {
  if (prepared) return;
  prepared = 1;
  pthread_once(&tuned, tune_malloc);
  uint8_t *block = malloc(HEAP_BYTES + HUGE_PAGE);
  if (block == NULL) return;
  uint8_t *aligned = (uint8_t *)(((uintptr_t)block + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
  madvise(aligned, HEAP_BYTES, MADV_HUGEPAGE);
  if (madvise(aligned, HEAP_BYTES, MADV_POPULATE_WRITE) != 0) memset(aligned, 0, HEAP_BYTES);
  free(block);
}
