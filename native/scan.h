// Shared by the three files of the connect loop of `portscope scan` (the protocol is described in
// scan.c): scan.c is the N-API glue, scan-loop.c the thread (system calls), scan-slots.c the table
// of probes in flight (slots, their deadlines, and an index from probe id to slot).
#ifndef PORTSCOPE_SCAN_H
#define PORTSCOPE_SCAN_H

#include "common.h"

#include <pthread.h>

#define PROBE_SIZE 28
#define NOT_IN_HEAP UINT32_MAX
// Refused probe sockets kept for the next probes, per family (see recycle in scan-loop.c).
#define SPARE_MAX 32

typedef struct {
  uint32_t id;
  int fd; // -1: slot free
  uint64_t startedUs, deadlineUs;
  uint32_t heapIndex; // NOT_IN_HEAP once timed out: the socket lingers for a late answer
  struct sockaddr_storage peer;
  socklen_t peerLength;
} probe_t;

// The probes in flight, owned by the loop's thread: slots (with a free list), a min-heap of slot
// indices keyed by deadlineUs, and an open-addressing index id -> slot + 1 (0: empty) of twice the
// capacity, so that a cancel finds its probe without a walk over every slot.
typedef struct {
  probe_t *probes;
  uint32_t *freeSlots, *heap, *index;
  uint32_t capacity, freeCount, heapCount;
} slots_t;

typedef struct {
  pthread_t thread;
  pthread_mutex_t lock;
  int epoll, wake;
  napi_threadsafe_function tsfn;
  // Guarded by lock: commands in, results out.
  bytes_t submitted, cancelled, outbox;
  int stopping, callPending;
  // The thread's own.
  slots_t slots;
  bytes_t results;
  // Unconnected sockets a refused probe left, reused by the next probes: [0] IPv4, [1] IPv6.
  int spare[2][SPARE_MAX];
  uint32_t spareCount[2];
  // The JS thread's own: the thread has been joined, the threadsafe function released, and how many
  // of the handle and the threadsafe function still refer to this loop (freed at 0).
  int joined, released, refs;
} loop_t;

uint64_t now_us(void);

// A free slot for probe `id`, indexed and out of the free list (the caller sets its fd), or -1 when
// the table cannot grow (out of memory).
int64_t slots_acquire(slots_t *s, uint32_t id);
// The slot of the open probe `id`, or -1.
int64_t slots_find(const slots_t *s, uint32_t id);
// Frees `slot`: out of the index and the heap, back on the free list (the caller closed its fd).
void slots_release(slots_t *s, uint32_t slot);
// Puts `slot` in the deadline heap (its deadlineUs set), or takes it out (no-op when not in it).
void heap_insert(slots_t *s, uint32_t slot);
void heap_remove(slots_t *s, uint32_t slot);
void slots_free(slots_t *s);

// The thread's body (scan-loop.c).
void *connect_loop_run(void *loop);

#endif
