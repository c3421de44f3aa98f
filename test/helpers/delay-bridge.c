/*
 * A two-port Ethernet bridge that delays every frame by a fixed time, in user space: the test lab's
 * stand-in for `tc netem delay` (this kernel has no netem). Frames read on one interface
 * (AF_PACKET) are written to the other after DELAY_MS; a constant delay keeps order, so each
 * direction is a FIFO. Bounded: it exits after LIFETIME_S seconds, or when stdin closes.
 *
 * usage: delay-bridge IFACE_A IFACE_B DELAY_MS LIFETIME_S
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 65536
#define FRAME 2048

struct slot { long long due_us; int len; unsigned char data[FRAME]; };
struct fifo { struct slot *slots; unsigned head, tail; };

static long long now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

static int open_port(const char *name) {
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
  if (fd < 0) { perror("socket"); exit(1); }
  struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)if_nametoindex(name) };
  if (sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) { perror(name); exit(1); }
  int size = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  return fd;
}

/* Reads every waiting frame from `in` into `q`, skipping frames this host sent (our own writes). */
static void take(int in, struct fifo *q, long long delay_us) {
  for (;;) {
    struct slot *s = &q->slots[q->tail % SLOTS];
    struct sockaddr_ll from;
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(in, s->data, FRAME, 0, (struct sockaddr *)&from, &len);
    if (n < 0) return;
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    if (q->tail - q->head >= SLOTS) continue; /* full: drop, as a real queue would */
    s->len = (int)n;
    s->due_us = now_us() + delay_us;
    q->tail++;
  }
}

/* Writes the frames of `q` that are due to `out`; returns microseconds until the next is due, or -1. */
static long long give(int out, struct fifo *q) {
  long long now = now_us();
  while (q->head != q->tail) {
    struct slot *s = &q->slots[q->head % SLOTS];
    if (s->due_us > now) return s->due_us - now;
    if (send(out, s->data, (size_t)s->len, 0) < 0 && errno == EAGAIN) return 100;
    q->head++;
  }
  return -1;
}

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: %s IFACE_A IFACE_B DELAY_MS LIFETIME_S\n", argv[0]); return 2; }
  int a = open_port(argv[1]), b = open_port(argv[2]);
  long long delay_us = atoll(argv[3]) * 1000LL;
  long long end_us = now_us() + atoll(argv[4]) * 1000000LL;
  struct fifo ab = { calloc(SLOTS, sizeof(struct slot)), 0, 0 }, ba = { calloc(SLOTS, sizeof(struct slot)), 0, 0 };
  if (ab.slots == NULL || ba.slots == NULL) return 1;
  printf("ready\n");
  fflush(stdout);
  struct pollfd fds[3] = { { a, POLLIN, 0 }, { b, POLLIN, 0 }, { 0, POLLIN, 0 } };
  while (now_us() < end_us) {
    long long wait1 = give(b, &ab), wait2 = give(a, &ba);
    long long wait = wait1 < 0 ? wait2 : wait2 < 0 ? wait1 : (wait1 < wait2 ? wait1 : wait2);
    int timeout = wait < 0 ? 100 : (int)((wait + 999) / 1000);
    if (poll(fds, 3, timeout) < 0 && errno != EINTR) return 1;
    if (fds[2].revents) return 0; /* stdin closed or readable: the test is done */
    if (fds[0].revents & POLLIN) take(a, &ab, delay_us);
    if (fds[1].revents & POLLIN) take(b, &ba, delay_us);
  }
  return 0;
}
