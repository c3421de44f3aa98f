// The connect loop's table of probes in flight (see scan.h): slots with a free list, a min-heap of
// deadlines, and an index from probe id to slot. Only the loop's thread touches it.
#include "scan.h"

#include <time.h>

uint64_t now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

// ---- deadline heap (slot indices keyed by deadlineUs) -----------------------------------------

static void heap_swap(slots_t *s, uint32_t a, uint32_t b) {
  uint32_t x = s->heap[a], y = s->heap[b];
  s->heap[a] = y;
  s->heap[b] = x;
  s->probes[y].heapIndex = a;
  s->probes[x].heapIndex = b;
}

static void heap_fix(slots_t *s, uint32_t i) {
  while (i > 0 && s->probes[s->heap[(i - 1) / 2]].deadlineUs > s->probes[s->heap[i]].deadlineUs) {
    heap_swap(s, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
  for (;;) {
    uint32_t least = i, left = 2 * i + 1, right = left + 1;
    if (left < s->heapCount && s->probes[s->heap[left]].deadlineUs < s->probes[s->heap[least]].deadlineUs) least = left;
    if (right < s->heapCount && s->probes[s->heap[right]].deadlineUs < s->probes[s->heap[least]].deadlineUs)
      least = right;
    if (least == i) return;
    heap_swap(s, i, least);
    i = least;
  }
}

void heap_insert(slots_t *s, uint32_t slot) {
  s->probes[slot].heapIndex = s->heapCount;
  s->heap[s->heapCount++] = slot;
  heap_fix(s, s->probes[slot].heapIndex);
}

void heap_remove(slots_t *s, uint32_t slot) {
  uint32_t i = s->probes[slot].heapIndex;
  if (i == NOT_IN_HEAP) return;
  heap_swap(s, i, --s->heapCount);
  if (i < s->heapCount) heap_fix(s, i);
  s->probes[slot].heapIndex = NOT_IN_HEAP;
}

// ---- id index (linear probing over 2 x capacity entries, deletion by backward shift) -----------

static uint32_t index_mask(const slots_t *s) { return 2 * s->capacity - 1; }

static uint32_t index_home(const slots_t *s, uint32_t id) { return (id * 2654435761u) & index_mask(s); }

static void index_put(slots_t *s, uint32_t slot) {
  uint32_t i = index_home(s, s->probes[slot].id);
  while (s->index[i] != 0) i = (i + 1) & index_mask(s);
  s->index[i] = slot + 1;
}

int64_t slots_find(const slots_t *s, uint32_t id) {
  if (s->capacity == 0) return -1;
  for (uint32_t i = index_home(s, id); s->index[i] != 0; i = (i + 1) & index_mask(s))
    if (s->probes[s->index[i] - 1].id == id) return s->index[i] - 1;
  return -1;
}

static void index_delete(slots_t *s, uint32_t slot) {
  uint32_t mask = index_mask(s), i = index_home(s, s->probes[slot].id);
  while (s->index[i] != slot + 1) i = (i + 1) & mask;
  // Backward shift: move up every later entry of the run whose home is not between the hole and it.
  for (uint32_t j = (i + 1) & mask; s->index[j] != 0; j = (j + 1) & mask) {
    uint32_t home = index_home(s, s->probes[s->index[j] - 1].id);
    if (((j - home) & mask) >= ((j - i) & mask)) {
      s->index[i] = s->index[j];
      i = j;
    }
  }
  s->index[i] = 0;
}

// ---- slots ---------------------------------------------------------------------------------------

static int grow(slots_t *s) {
  uint32_t capacity = s->capacity == 0 ? 1024 : s->capacity * 2;
  probe_t *probes = realloc(s->probes, capacity * sizeof *probes);
  if (probes == NULL) return -1;
  s->probes = probes;
  uint32_t *freeSlots = realloc(s->freeSlots, capacity * sizeof *freeSlots);
  if (freeSlots == NULL) return -1;
  s->freeSlots = freeSlots;
  uint32_t *heap = realloc(s->heap, capacity * sizeof *heap);
  if (heap == NULL) return -1;
  s->heap = heap;
  uint32_t *index = calloc(2 * (size_t)capacity, sizeof *index);
  if (index == NULL) return -1;
  free(s->index);
  s->index = index;
  uint32_t old = s->capacity;
  s->capacity = capacity;
  for (uint32_t slot = 0; slot < old; slot++)
    if (s->probes[slot].fd >= 0) index_put(s, slot);
  for (uint32_t i = capacity; i > old; i--) {
    s->probes[i - 1].fd = -1;
    s->freeSlots[s->freeCount++] = i - 1;
  }
  return 0;
}

int64_t slots_acquire(slots_t *s, uint32_t id) {
  if (s->freeCount == 0 && grow(s) != 0) return -1;
  uint32_t slot = s->freeSlots[--s->freeCount];
  s->probes[slot].id = id;
  s->probes[slot].heapIndex = NOT_IN_HEAP;
  index_put(s, slot);
  return slot;
}

void slots_release(slots_t *s, uint32_t slot) {
  index_delete(s, slot);
  heap_remove(s, slot);
  s->probes[slot].fd = -1;
  s->freeSlots[s->freeCount++] = slot;
}

void slots_free(slots_t *s) {
  free(s->probes);
  free(s->freeSlots);
  free(s->heap);
  free(s->index);
}
