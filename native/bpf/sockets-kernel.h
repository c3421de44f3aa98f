// SPDX-License-Identifier: MIT OR GPL-2.0
// The kernel structs that sockets.bpf.c reads, declared with only the fields it reads: CO-RE
// (preserve_access_index) lets libbpf relocate each access against the running kernel's BTF, so the
// layouts here need not be the kernel's, only the names and field types.
#ifndef PORTSCOPE_SOCKETS_KERNEL_H
#define PORTSCOPE_SOCKETS_KERNEL_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;

#define CORE __attribute__((preserve_access_index))

struct seq_file;
struct bpf_iter_meta {
  struct seq_file *seq;
  __u64 seq_num;
} CORE;
struct bpf_iter__task {
  struct bpf_iter_meta *meta;
} CORE;

struct hlist_nulls_node {
  struct hlist_nulls_node *next;
} CORE;
struct hlist_nulls_head {
  struct hlist_nulls_node *first;
} CORE;
struct inet_ehash_bucket {
  struct hlist_nulls_head chain;
} CORE;
struct inet_listen_hashbucket {
  struct hlist_nulls_head nulls_head;
} CORE;
struct inet_hashinfo {
  struct inet_ehash_bucket *ehash;
  unsigned int ehash_mask;
  unsigned int lhash2_mask;
  struct inet_listen_hashbucket *lhash2;
  _Bool pernet;
} CORE;
struct udp_hslot {
  struct hlist_nulls_head nulls_head;
} CORE;
struct udp_table {
  struct udp_hslot *hash;
  unsigned int mask;
} CORE;
struct inet_timewait_death_row {
  struct inet_hashinfo *hashinfo;
} CORE;
struct netns_ipv4 {
  struct inet_timewait_death_row tcp_death_row;
  struct udp_table *udp_table;
} CORE;
struct ns_common {
  unsigned int inum;
} CORE;
struct net {
  struct ns_common ns;
  struct netns_ipv4 ipv4;
} CORE;
struct nsproxy {
  struct net *net_ns;
} CORE;
struct task_struct {
  struct nsproxy *nsproxy;
} CORE;
struct in6_addr {
  __u8 s6_addr[16];
} CORE;
typedef struct {
  struct net *net;
} possible_net_t;
struct sock_common {
  __u32 skc_daddr;
  __u32 skc_rcv_saddr;
  __u16 skc_dport;
  __u16 skc_num;
  __u16 skc_family;
  __u8 skc_state;
  unsigned char skc_ipv6only : 1;
  int skc_bound_dev_if;
  possible_net_t skc_net;
  struct in6_addr skc_v6_daddr;
  struct in6_addr skc_v6_rcv_saddr;
  struct hlist_nulls_node skc_nulls_node;
} CORE;
struct inode {
  unsigned long i_ino;
} CORE;
struct socket;
struct socket_alloc {
  struct inode vfs_inode;
} CORE;
typedef struct {
  __u32 val;
} kuid_t;
typedef struct {
  int counter;
} atomic_t;
typedef struct {
  atomic_t refs;
} refcount_t;
struct sock {
  struct sock_common __sk_common;
  struct {
    atomic_t rmem_alloc;
  } sk_backlog;
  refcount_t sk_wmem_alloc;
  struct socket *sk_socket;
  kuid_t sk_uid;
  __u8 sk_shutdown;
  __u32 sk_ack_backlog;
  __u32 sk_max_ack_backlog;
} CORE;
struct tcp_sock {
  __u32 rcv_nxt;
  __u32 copied_seq;
  __u32 write_seq;
  __u32 snd_una;
} CORE;
struct udp_sock {
  int forward_deficit;
} CORE;
struct inet_timewait_sock {
  __u8 tw_substate;
} CORE;

#endif
