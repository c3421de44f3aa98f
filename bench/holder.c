/* One farm holder (bench/farm.js compiles it with cc): a TCP listener on ADDR:PORT and PAIRS loopback
 * connections to it, plus UDP sockets and unix stream pairs, all held until stdin reaches EOF (the benchmark
 * ended or died) or LIFETIME seconds pass, so a crashed benchmark leaves nothing behind.
 * Usage: holder ADDR PORT PAIRS CLIENT_PORT UDP UNIX LIFETIME_S [NETNS_PATH]
 * Client i binds ADDR+1+i/4000 (the next addresses in the last octet) port CLIENT_PORT+i%4000: the farm's
 * ports are chosen here, never from the kernel's ephemeral range. Every socket has SO_LINGER 0, so the exit
 * resets the connections instead of leaving 2 x PAIRS sockets in TIME-WAIT. With NETNS_PATH it first joins
 * that network namespace and brings its loopback up. Prints "ready ok N" or "error WHAT: strerror". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define PER_ADDRESS 4000
#define BATCH 1024

static void die(const char *what) {
  printf("error %s: %s\n", what, strerror(errno));
  fflush(stdout);
  exit(1);
}

static int tcp_socket(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct linger off = {1, 0};
  if (fd < 0) die("socket");
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &off, sizeof off);
  return fd;
}

static struct sockaddr_in endpoint(in_addr_t host, int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(host)};
  return a;
}

static void join_netns(const char *path) {
  int fd = open(path, O_RDONLY), s;
  struct ifreq ifr = {0};
  if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) die("setns");
  close(fd);
  s = socket(AF_INET, SOCK_DGRAM, 0);
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) die("SIOCGIFFLAGS lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) die("SIOCSIFFLAGS lo");
  close(s);
}

int main(int argc, char **argv) {
  if (argc < 8) {
    fprintf(stderr, "usage: holder ADDR PORT PAIRS CLIENT_PORT UDP UNIX LIFETIME_S [NETNS_PATH]\n");
    return 2;
  }
  struct in_addr parsed;
  if (inet_pton(AF_INET, argv[1], &parsed) != 1) die("address");
  in_addr_t host = ntohl(parsed.s_addr);
  int port = atoi(argv[2]), pairs = atoi(argv[3]), client_port = atoi(argv[4]);
  int udp = atoi(argv[5]), unix_pairs = atoi(argv[6]), lifetime_s = atoi(argv[7]);
  /* Raise the soft limit to what this holder needs; the hard limit stays (raising it needs CAP_SYS_RESOURCE). */
  struct rlimit nofile;
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = 2 * pairs + udp + 2 * unix_pairs + 16;
  if (setrlimit(RLIMIT_NOFILE, &nofile) < 0) die("setrlimit RLIMIT_NOFILE (over the hard limit?)");
  alarm(lifetime_s); /* SIGALRM's default action ends the process */
  if (argc > 8) join_netns(argv[8]);

  int listener = tcp_socket();
  struct sockaddr_in at = endpoint(host, port);
  if (bind(listener, (struct sockaddr *)&at, sizeof at) < 0) die("bind listener");
  if (listen(listener, BATCH) < 0) die("listen");
  /* Connect a batch, then accept it: a blocking connect on loopback completes inside the call while the
   * accept queue has room, and BATCH stays under it. */
  for (int done = 0; done < pairs;) {
    int n = pairs - done < BATCH ? pairs - done : BATCH;
    for (int i = done; i < done + n; i++) {
      int c = tcp_socket();
      struct sockaddr_in from = endpoint(host + 1 + i / PER_ADDRESS, client_port + i % PER_ADDRESS);
      if (bind(c, (struct sockaddr *)&from, sizeof from) < 0) die("bind client");
      if (connect(c, (struct sockaddr *)&at, sizeof at) < 0) die("connect");
    }
    for (int i = 0; i < n; i++)
      if (accept(listener, NULL, NULL) < 0) die("accept");
    done += n;
  }
  for (int i = 0; i < udp; i++) {
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in any = endpoint(host, 0);
    if (u < 0 || bind(u, (struct sockaddr *)&any, sizeof any) < 0) die("udp");
  }
  for (int i = 0; i < unix_pairs; i++) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) die("socketpair");
  }
  printf("ready ok %d\n", pairs);
  fflush(stdout);
  char buf[64];
  while (read(0, buf, sizeof buf) > 0) {
  }
  return 0;
}
