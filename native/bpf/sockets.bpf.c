// SPDX-License-Identifier: MIT OR GPL-2.0
// Every TCP and UDP socket of every network namespace in one pass. The kernel's iter/tcp and iter/udp
// only show the sockets of the reader's namespace (they walk the shared hash tables and skip the
// others), so this program walks those tables itself: the TCP established hash (TIME_WAIT and request
// sockets included), the TCP listening hash, and the UDP hash, as sock_diag does for one namespace,
// reaching them from the reader's own namespace (net->ipv4). It runs once, on the first task of an
// `iter/task` iterator, writes one record per socket into the `records` array map (sized by the
// loader, read by mmap) and then, to the iterator's output, the count and flags (see `struct result`).
// The loader may narrow the walk (the `config` map: one local port, TCP or UDP only), so that a reader
// that wants one port (`who`) reads one field of every other socket instead of copying all of it.
// No locks are taken: a socket that moves while the walk runs may be missed or seen twice, as with
// any reader of a changing table. Built into sockets.bpf.o by scripts/build-bpf.js; CO-RE as
// owners.bpf.c (sockets-kernel.h declares the structs, with only the fields read).

#include "sockets-kernel.h"

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int(*name)[val]
#define __type(name, val) typeof(val) *name
#define CHAIN_MAX 256 // sockets followed per hash bucket; a longer chain sets FLAG_TRUNCATED
#define FLAG_OVERFLOW 1 // more sockets than records: `count` says how many; the loader retries with that many
#define FLAG_TRUNCATED 2
#define FLAG_PERNET 4 // this namespace has a TCP hash of its own (tcp_child_ehash_entries): not every socket is in it

/** One socket: 64 bytes, native-endian except `peerPort` and the addresses (network order). */
struct record {
  __u32 netns, inode, uid, recvQ, sendQ, ifindex;
  __u8 family; // AF_INET, AF_INET6
  // Bits 0-1: IPV6_V6ONLY of a full AF_INET6 socket (0 or 1; 2: not a full socket, or AF_INET); bit 2: a full
  // socket (not TIME_WAIT or a request); bits 3-4: its sk_shutdown (bit 0 receive, bit 1 send).
  __u8 flags;
  __u8 state; // the kernel's, as sock_diag reports it (request sockets: SYN_RECV; TIME_WAIT: its substate)
  __u8 protocol; // 6 TCP, 17 UDP
  __u16 localPort, peerPort;
  __u8 local[16], peer[16];
};

#define CONFIG_PORT 1 // only sockets whose local port is `port`
#define CONFIG_NO_TCP 2
#define CONFIG_NO_UDP 4

/** What to walk, written by the loader before the iterator runs; all zero: every socket. */
struct config {
  __u32 flags; // CONFIG_*
  __u32 port;
};

struct {
  __uint(type, 2); // BPF_MAP_TYPE_ARRAY
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct config);
} config SEC(".maps");

struct {
  __uint(type, 2); // BPF_MAP_TYPE_ARRAY
  __uint(map_flags, 1024); // BPF_F_MMAPABLE
  __uint(max_entries, 1); // set by the loader
  __type(key, __u32);
  __type(value, struct record);
} records SEC(".maps");

#define BATCH_BYTES 4096 // bucket heads read at once: one bpf_probe_read_kernel per batch, not per bucket

/** Scratch room for one batch of a hash table's buckets (most are empty: only their heads are looked at). */
struct batch {
  __u8 bytes[BATCH_BYTES];
};

struct {
  __uint(type, 2); // BPF_MAP_TYPE_ARRAY
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct batch);
} batch SEC(".maps");

// Helpers by number (include/uapi/linux/bpf.h), so that only clang is needed.
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static __u64 (*bpf_get_current_task)(void) = (void *)35;
static long (*bpf_probe_read_kernel)(void *dst, __u32 size, const void *src) = (void *)113;
static long (*bpf_seq_write)(struct seq_file *m, const void *data, __u32 len) = (void *)127;
static long (*bpf_loop)(__u32 nr, void *fn, void *ctx, __u64 flags) = (void *)181;

#define READ(dst, src) bpf_probe_read_kernel(&(dst), sizeof(dst), &(src))
#define OFFSET(type, field) __builtin_preserve_field_info(((type *)0)->field, 0)
#define SIZE(type) __builtin_preserve_type_info(*(type *)0, 1)

/** One hash table to walk: `buckets` buckets of `stride` bytes, each chain's head at `head` in its bucket. */
struct table {
  char *first;
  __u32 buckets, stride, head;
  __u8 protocol;
};

#define TABLES 3 // TCP listening, TCP established, UDP

struct walk {
  struct table tables[TABLES]; // those left out have no buckets
  struct hlist_nulls_node *node; // the chain's next socket
  char *table;                   // the hash table being walked: its first bucket
  __u32 buckets, stride, head;   // its bucket count, a bucket's size, the chain head's offset in a bucket
  __u32 perBatch;                // buckets read per batch (BATCH_BYTES / stride)
  __u32 count, flags; // count: sockets that matched, written or not (past the map's end: FLAG_OVERFLOW)
  __u32 port; // the wanted local port, or NO_PORT
  __u8 protocol;
};

#define NO_PORT 0x10000

enum { TCP_LISTEN = 10, TCP_TIME_WAIT = 6, TCP_SYN_RECV = 3, TCP_NEW_SYN_RECV = 12, AF_INET = 2 };

// The skc_ipv6only bit field, read where this kernel puts it (as libbpf's BPF_CORE_READ_BITFIELD_PROBED,
// little-endian: the addon is built for the machine it runs on, and sock_diag's reader assumes the same).
static __u8 v6only(struct sock_common *skc) {
  __u64 value = 0;
  bpf_probe_read_kernel(&value, __builtin_preserve_field_info(skc->skc_ipv6only, 1),
                        (char *)skc + __builtin_preserve_field_info(skc->skc_ipv6only, 0));
  value <<= __builtin_preserve_field_info(skc->skc_ipv6only, 4);
  value >>= __builtin_preserve_field_info(skc->skc_ipv6only, 5);
  return (__u8)value;
}

static void emit(struct walk *w, struct sock_common *skc, __u8 protocol) {
  __u32 at = w->count;
  w->count = at + 1;
  // Past the map's end the walk goes on counting, so that the loader's second try has room for all.
  struct record *r = bpf_map_lookup_elem(&records, &at);
  if (r == (void *)0) {
    w->flags |= FLAG_OVERFLOW;
    return;
  }
  struct net *net = 0;
  __u8 state = 0;
  READ(net, skc->skc_net.net);
  READ(r->netns, net->ns.inum);
  __u16 family = 0;
  READ(family, skc->skc_family);
  r->family = (__u8)family;
  r->flags = 2;
  READ(state, skc->skc_state);
  READ(r->localPort, skc->skc_num);
  READ(r->peerPort, skc->skc_dport);
  READ(r->ifindex, skc->skc_bound_dev_if);
  r->protocol = protocol;
  if (r->family == AF_INET) {
    READ(*(__u32 *)r->local, skc->skc_rcv_saddr);
    READ(*(__u32 *)r->peer, skc->skc_daddr);
  } else {
    READ(r->local, skc->skc_v6_rcv_saddr);
    READ(r->peer, skc->skc_v6_daddr);
  }
  r->state = state;
  r->inode = r->uid = r->recvQ = r->sendQ = 0;
  // TIME_WAIT and request sockets are not full sockets: no inode, uid or queues (sock_diag says 0 too).
  if (state == TCP_TIME_WAIT) {
    READ(r->state, ((struct inet_timewait_sock *)skc)->tw_substate);
    return;
  }
  if (state == TCP_NEW_SYN_RECV) {
    r->state = TCP_SYN_RECV;
    return;
  }
  struct sock *sk = (struct sock *)skc;
  __u8 shutdown = 0;
  READ(shutdown, sk->sk_shutdown);
  r->flags = (family != AF_INET ? v6only(skc) : 2) | 4 | (__u8)((shutdown & 3) << 3);
  struct socket *socket = 0;
  READ(socket, sk->sk_socket);
  if (socket != 0) READ(r->inode, ((struct socket_alloc *)socket)->vfs_inode.i_ino);
  READ(r->uid, sk->sk_uid.val);
  if (protocol == 17) {
    int rmem = 0, deficit = 0, wmem = 0;
    READ(rmem, sk->sk_backlog.rmem_alloc.counter);
    READ(deficit, ((struct udp_sock *)sk)->forward_deficit);
    READ(wmem, sk->sk_wmem_alloc.refs.counter);
    r->recvQ = (__u32)(rmem - deficit);
    r->sendQ = (__u32)(wmem - 1);
  } else if (state == TCP_LISTEN) {
    READ(r->recvQ, sk->sk_ack_backlog);
    READ(r->sendQ, sk->sk_max_ack_backlog);
  } else {
    struct tcp_sock *tp = (struct tcp_sock *)sk;
    __u32 rcvNxt = 0, copied = 0, writeSeq = 0, sndUna = 0;
    READ(rcvNxt, tp->rcv_nxt);
    READ(copied, tp->copied_seq);
    READ(writeSeq, tp->write_seq);
    READ(sndUna, tp->snd_una);
    int queued = (int)(rcvNxt - copied);
    r->recvQ = queued > 0 ? (__u32)queued : 0;
    r->sendQ = writeSeq - sndUna;
  }
}

static long step(__u32 i, struct walk *w) {
  struct hlist_nulls_node *node = w->node;
  if (node == 0 || ((unsigned long)node & 1) != 0) return 1;
  struct sock_common *skc = (struct sock_common *)((char *)node - OFFSET(struct sock_common, skc_nulls_node));
  __u16 port = 0;
  if (w->port != NO_PORT) READ(port, skc->skc_num);
  if (w->port == NO_PORT || port == w->port) emit(w, skc, w->protocol);
  READ(w->node, node->next);
  return 0;
}

// Follows one chain: hlist_nulls (TCP) ends at a pointer with bit 0 set, hlist (UDP) at NULL.
static void chain(struct walk *w, struct hlist_nulls_node *first) {
  w->node = first;
  bpf_loop(CHAIN_MAX, step, w, 0);
  if (w->node != 0 && ((unsigned long)w->node & 1) == 0) w->flags |= FLAG_TRUNCATED;
}

// One bucket of the batch just read: its chain is followed only when it is not empty (most are not).
static long bucket(__u32 i, struct walk *w) {
  __u32 zero = 0;
  struct batch *b = bpf_map_lookup_elem(&batch, &zero);
  __u64 at = (__u64)i * w->stride + w->head;
  if (b == (void *)0 || at > BATCH_BYTES - sizeof(void *)) return 1;
  struct hlist_nulls_node *first = *(struct hlist_nulls_node **)(b->bytes + at);
  if (first != 0 && ((unsigned long)first & 1) == 0) chain(w, first);
  return 0;
}

// One batch of buckets: their bytes copied at once, then each bucket's head looked at.
static long batchOf(__u32 i, struct walk *w) {
  __u32 zero = 0;
  struct batch *b = bpf_map_lookup_elem(&batch, &zero);
  __u32 first = i * w->perBatch;
  if (b == (void *)0 || first >= w->buckets) return 1;
  __u32 n = w->buckets - first < w->perBatch ? w->buckets - first : w->perBatch;
  __u64 size = (__u64)n * w->stride; // 64 bits: the bound below is then checked on the register passed
  if (size > BATCH_BYTES) return 1;
  if (bpf_probe_read_kernel(b->bytes, size, w->table + (__u64)first * w->stride) != 0) return 1;
  bpf_loop(n, bucket, w, 0);
  return 0;
}

// Every chain of one hash table (w->tables[i]). One call site of bpf_loop for all three tables, so that
// the verifier goes through the walk's callbacks once, not once per table.
static long walkTable(__u32 i, struct walk *w) {
  if (i >= TABLES) return 1;
  struct table *t = &w->tables[i];
  if (t->buckets == 0 || t->stride == 0 || t->stride > BATCH_BYTES) return 0;
  w->table = t->first;
  w->buckets = t->buckets;
  w->stride = t->stride;
  w->head = t->head;
  w->perBatch = BATCH_BYTES / t->stride;
  w->protocol = t->protocol;
  bpf_loop((w->buckets + w->perBatch - 1) / w->perBatch, batchOf, w, 0);
  return 0;
}

/** What the iterator's reader gets after the walk: how many sockets matched (records written, unless
 * FLAG_OVERFLOW: then more than the map holds), and FLAG_* bits. */
struct result {
  __u32 count, flags;
};

SEC("iter/task")
int sockets(struct bpf_iter__task *ctx) {
  struct bpf_iter_meta *meta = ctx->meta;
  if (meta->seq_num != 0) return 0;
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  struct nsproxy *nsproxy = 0;
  struct net *net = 0;
  struct walk w = {0};
  __u32 zero = 0;
  struct config *want = bpf_map_lookup_elem(&config, &zero);
  __u32 flags = want == (void *)0 ? 0 : want->flags;
  w.port = (flags & CONFIG_PORT) != 0 && want != (void *)0 ? want->port & 0xffff : NO_PORT;
  struct inet_hashinfo *tcp = 0;
  struct udp_table *udp = 0;
  READ(nsproxy, task->nsproxy);
  READ(net, nsproxy->net_ns);
  READ(tcp, net->ipv4.tcp_death_row.hashinfo);
  READ(udp, net->ipv4.udp_table);
  struct inet_ehash_bucket *ehash = 0;
  struct inet_listen_hashbucket *lhash2 = 0;
  struct udp_hslot *uhash = 0;
  __u32 ehashMask = 0, lhashMask = 0, udpMask = 0;
  _Bool pernet = 0;
  READ(ehash, tcp->ehash);
  READ(lhash2, tcp->lhash2);
  READ(ehashMask, tcp->ehash_mask);
  READ(lhashMask, tcp->lhash2_mask);
  READ(pernet, tcp->pernet);
  READ(uhash, udp->hash);
  READ(udpMask, udp->mask);
  if (pernet) w.flags |= FLAG_PERNET;
  else {
    if ((flags & CONFIG_NO_TCP) == 0) {
      w.tables[0] = (struct table){(char *)lhash2, lhashMask + 1, SIZE(struct inet_listen_hashbucket),
                                   OFFSET(struct inet_listen_hashbucket, nulls_head.first), 6};
      w.tables[1] = (struct table){(char *)ehash, ehashMask + 1, SIZE(struct inet_ehash_bucket),
                                   OFFSET(struct inet_ehash_bucket, chain.first), 6};
    }
    if ((flags & CONFIG_NO_UDP) == 0) {
      w.tables[2] = (struct table){(char *)uhash, udpMask + 1, SIZE(struct udp_hslot),
                                   OFFSET(struct udp_hslot, nulls_head.first), 17};
    }
    bpf_loop(TABLES, walkTable, &w, 0);
  }
  struct result result = {w.count, w.flags};
  bpf_seq_write(meta->seq, &result, sizeof result);
  return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
