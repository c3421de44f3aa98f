// The connect loop's thread (see scan.c for the protocol): non-blocking connect() and epoll, probes
// started and cancelled from the batches the JS thread hands over, results handed back in batches.
// The time-out is counted from the connect() call on the thread, and a probe is timed out only after
// an epoll_wait that returned every event ready when it began: an answer already waiting always wins.
#include "scan.h"

#include <netinet/in.h>
#include <sys/epoll.h>

#define MAX_EVENTS 1024
// Probes started per turn at most: the answers to the first ones go to JavaScript while the thread
// starts the rest, so the engine works on them (and feeds the next probes) meanwhile. Started all
// at once, a batch of 2,000 probes kept the JS thread idle until every one of them was answered.
#define START_CHUNK 256
#define CODE_TIMEOUT -1
#define CODE_SELF -2

static void emit(loop_t *l, uint32_t id, int32_t code, uint64_t rttUs) {
  uint32_t record[3] = {id, (uint32_t)code, (uint32_t)(rttUs > UINT32_MAX ? UINT32_MAX : rttUs)};
  bytes_append(&l->results, record, sizeof record);
}

// Closes a probe's socket and frees its slot; `reset` sends a RST (SO_LINGER 0), so that neither side
// keeps TIME_WAIT after an open port.
static void finish(loop_t *l, uint32_t slot, int reset) {
  probe_t *p = &l->slots.probes[slot];
  if (reset) {
    struct linger linger = {1, 0};
    setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
  }
  close(p->fd); // also leaves the epoll set
  slots_release(&l->slots, slot);
}

// A socket whose connect() was refused, back to unconnected (the second connect() in start() did
// that): kept for a later probe of its family instead of closed, which spares a socket() and a
// close() per closed port. It holds no port, is in no hash and was never in the epoll set.
static void recycle(loop_t *l, uint32_t slot) {
  probe_t *p = &l->slots.probes[slot];
  int family = p->peer.ss_family == AF_INET6;
  if (l->spareCount[family] < SPARE_MAX) {
    l->spare[family][l->spareCount[family]++] = p->fd;
    slots_release(&l->slots, slot);
  } else {
    finish(l, slot, 0);
  }
}

// A connected socket: open, or connected to itself (the same address and port at both ends).
static void connected(loop_t *l, uint32_t slot, uint64_t now) {
  probe_t *p = &l->slots.probes[slot];
  struct sockaddr_storage local;
  socklen_t length = sizeof local;
  int self = getsockname(p->fd, (struct sockaddr *)&local, &length) == 0 && length == p->peerLength &&
             (p->peer.ss_family == AF_INET
                  ? memcmp(&((struct sockaddr_in *)&local)->sin_addr, &((struct sockaddr_in *)&p->peer)->sin_addr, 4) == 0 &&
                        ((struct sockaddr_in *)&local)->sin_port == ((struct sockaddr_in *)&p->peer)->sin_port
                  : memcmp(&((struct sockaddr_in6 *)&local)->sin6_addr, &((struct sockaddr_in6 *)&p->peer)->sin6_addr,
                           16) == 0 &&
                        ((struct sockaddr_in6 *)&local)->sin6_port == ((struct sockaddr_in6 *)&p->peer)->sin6_port);
  emit(l, p->id, self ? CODE_SELF : 0, now - p->startedUs);
  // A reset for a self-connect too: it leaves no TIME_WAIT holding the port for the retry.
  finish(l, slot, 1);
}

// The peer of a probe record: u16 port, u8 family (4|6), u8 0, 16 address bytes from offset 8.
static socklen_t peer_of(const uint8_t *record, struct sockaddr_storage *peer) {
  uint16_t port;
  memcpy(&port, record + 8, 2);
  memset(peer, 0, sizeof *peer);
  if (record[10] != 6) {
    struct sockaddr_in *a = (struct sockaddr_in *)peer;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    memcpy(&a->sin_addr, record + 12, 4);
    return sizeof *a;
  }
  struct sockaddr_in6 *a = (struct sockaddr_in6 *)peer;
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(port);
  memcpy(&a->sin6_addr, record + 12, 16);
  return sizeof *a;
}

static void start(loop_t *l, const uint8_t *record) {
  uint32_t id, timeoutUs;
  memcpy(&id, record, 4);
  memcpy(&timeoutUs, record + 4, 4);
  struct sockaddr_storage peer;
  socklen_t peerLength = peer_of(record, &peer);
  int family = peer.ss_family == AF_INET6;
  int fd = l->spareCount[family] > 0 ? l->spare[family][--l->spareCount[family]]
                                     : socket(peer.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    emit(l, id, errno, 0);
    return;
  }
  int64_t found = slots_acquire(&l->slots, id);
  if (found < 0) {
    close(fd);
    emit(l, id, ENOMEM, 0);
    return;
  }
  uint32_t slot = (uint32_t)found;
  probe_t *p = &l->slots.probes[slot];
  p->fd = fd;
  p->peer = peer;
  p->peerLength = peerLength;
  p->startedUs = now_us();
  p->deadlineUs = p->startedUs + timeoutUs;
  heap_insert(&l->slots, slot);
  if (connect(fd, (struct sockaddr *)&p->peer, p->peerLength) == 0) {
    connected(l, slot, now_us());
    return;
  }
  int err = errno;
  if (err == EINPROGRESS) {
    // A second look, before epoll: on loopback the kernel has already handled the SYN and its answer
    // (RST or SYN-ACK) when connect() returns, and a second connect() reports it: 0 connected, the
    // error (ECONNREFUSED: the socket is unconnected again and reusable), or EALREADY: still waiting.
    if (connect(fd, (struct sockaddr *)&p->peer, p->peerLength) == 0) {
      connected(l, slot, now_us());
      return;
    }
    err = errno;
    if (err != EALREADY) {
      emit(l, id, err, now_us() - p->startedUs);
      if (err == ECONNREFUSED) recycle(l, slot);
      else finish(l, slot, 0);
      return;
    }
    err = EINPROGRESS;
  }
  struct epoll_event event = {.events = EPOLLOUT, .data.u32 = slot};
  if (err != EINPROGRESS || epoll_ctl(l->epoll, EPOLL_CTL_ADD, fd, &event) != 0) {
    emit(l, id, err == EINPROGRESS ? errno : err, now_us() - p->startedUs);
    finish(l, slot, 0);
  }
}

static void answered(loop_t *l, uint32_t slot, uint64_t now) {
  probe_t *p = &l->slots.probes[slot];
  if (p->fd < 0) return;
  int err = 0;
  socklen_t length = sizeof err;
  if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &length) != 0) err = errno;
  if (err == 0) {
    connected(l, slot, now);
    return;
  }
  emit(l, p->id, err, now - p->startedUs);
  finish(l, slot, 0);
}

// Closes the probes `ids` still open (one index look-up each); ids already answered are skipped.
static void cancel(loop_t *l, const uint32_t *ids, size_t count) {
  for (size_t i = 0; i < count; i++) {
    int64_t slot = slots_find(&l->slots, ids[i]);
    if (slot >= 0) finish(l, (uint32_t)slot, 0);
  }
}

// Every probe whose deadline is at or before `before`, in the heap still, gets its time-out record.
static void time_out(loop_t *l, uint64_t before) {
  slots_t *s = &l->slots;
  while (s->heapCount > 0 && s->probes[s->heap[0]].deadlineUs <= before) {
    uint32_t slot = s->heap[0];
    emit(l, s->probes[slot].id, CODE_TIMEOUT, before - s->probes[slot].startedUs);
    heap_remove(s, slot); // the socket stays open (and in the epoll set) until cancelled
  }
}

void *connect_loop_run(void *arg) {
  loop_t *l = arg;
  struct epoll_event events[MAX_EVENTS];
  // `pending` holds submitted probes from `started` on that are not started yet.
  bytes_t pending = {0}, cancelled = {0};
  size_t started = 0;
  int failed = 0;
  for (;;) {
    pthread_mutex_lock(&l->lock);
    int stopping = l->stopping;
    if (started == pending.length) {
      bytes_t s = l->submitted;
      l->submitted = pending;
      l->submitted.length = 0;
      pending = s;
      started = 0;
    } else if (l->submitted.length > 0) {
      // Out of memory: the probes stay in the loop's buffer for the next turn.
      if (bytes_append(&pending, l->submitted.data, l->submitted.length) == 0) l->submitted.length = 0;
      else failed = 1;
    }
    bytes_t c = l->cancelled;
    l->cancelled = cancelled;
    pthread_mutex_unlock(&l->lock);
    cancelled = c;
    if (stopping) break;
    // Starts first when a cancel comes (rare: time-outs, aborts): it can name a probe not yet started.
    size_t chunk = cancelled.length > 0 || failed ? pending.length - started : START_CHUNK * (size_t)PROBE_SIZE;
    failed = 0;
    for (size_t end = started + chunk < pending.length ? started + chunk : pending.length; started + PROBE_SIZE <= end;
         started += PROBE_SIZE)
      start(l, pending.data + started);
    if (started + PROBE_SIZE > pending.length) started = pending.length;
    if (cancelled.length > 0) cancel(l, (const uint32_t *)cancelled.data, cancelled.length / 4);
    cancelled.length = 0;

    uint64_t before = now_us();
    int timeoutMs = -1;
    if (l->results.length > 0 || started < pending.length) timeoutMs = 0;
    else if (l->slots.heapCount > 0) {
      uint64_t top = l->slots.probes[l->slots.heap[0]].deadlineUs;
      timeoutMs = top <= before ? 0 : (int)((top - before + 999) / 1000);
    }
    int n = epoll_wait(l->epoll, events, MAX_EVENTS, timeoutMs);
    uint64_t now = now_us();
    for (int i = 0; i < n; i++) {
      if (events[i].data.u32 == UINT32_MAX) {
        uint64_t count;
        if (read(l->wake, &count, sizeof count) < 0) continue;
      } else {
        answered(l, events[i].data.u32, now);
      }
    }
    // Every event ready before `before` was returned (the set was not full): whatever is still
    // unanswered past its deadline got no answer in time.
    if (n < MAX_EVENTS) time_out(l, before);
    if (l->results.length > 0) {
      pthread_mutex_lock(&l->lock);
      int call = !l->callPending;
      if (bytes_append(&l->outbox, l->results.data, l->results.length) == 0) l->results.length = 0;
      l->callPending = 1;
      pthread_mutex_unlock(&l->lock);
      if (call) napi_call_threadsafe_function(l->tsfn, NULL, napi_tsfn_nonblocking);
    }
  }
  for (uint32_t slot = 0; slot < l->slots.capacity; slot++)
    if (l->slots.probes[slot].fd >= 0) finish(l, slot, 0);
  for (int family = 0; family < 2; family++)
    while (l->spareCount[family] > 0) close(l->spare[family][--l->spareCount[family]]);
  free(pending.data);
  free(cancelled.data);
  return NULL;
}
