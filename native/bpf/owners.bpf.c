// SPDX-License-Identifier: MIT OR GPL-2.0
// The owners of every socket from one pass over every fd table: an `iter/task_file` program (Linux 5.8)
// that writes one record per socket fd, as three native-endian u32: the process id (tgid), the fd,
// and the socket's inode (the N of `socket:[N]` in /proc/PID/fd). Built into owners.bpf.o by
// scripts/build-bpf.js and loaded by native/bpf.c with libbpf.
//
// CO-RE without vmlinux.h: the few kernel structs read are declared here with only the fields used,
// and preserve_access_index makes clang record each field access for libbpf to relocate against the
// running kernel's BTF (/sys/kernel/btf/vmlinux), whatever the layout of that kernel.

typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;

#define SEC(name) __attribute__((section(name), used))
#define S_IFMT 00170000
#define S_IFSOCK 0140000

struct seq_file;

struct bpf_iter_meta {
  struct seq_file *seq;
} __attribute__((preserve_access_index));

struct task_struct {
  int pid;
  int tgid;
} __attribute__((preserve_access_index));

struct inode {
  __u16 i_mode;
  unsigned long i_ino;
} __attribute__((preserve_access_index));

struct file {
  struct inode *f_inode;
} __attribute__((preserve_access_index));

struct bpf_iter__task_file {
  struct bpf_iter_meta *meta;
  struct task_struct *task;
  __u32 fd;
  struct file *file;
} __attribute__((preserve_access_index));

// BPF_FUNC_seq_write (include/uapi/linux/bpf.h): declared by number so that only clang is needed.
static long (*bpf_seq_write)(struct seq_file *m, const void *data, __u32 len) = (void *)127;

SEC("iter/task_file")
int owners(struct bpf_iter__task_file *ctx) {
  struct task_struct *task = ctx->task;
  struct file *file = ctx->file;
  if (task == (void *)0 || file == (void *)0) return 0;
  // /proc/PID/fd shows the thread group leader's table: a thread with a table of its own (clone
  // without CLONE_FILES) is left out, as there. Threads sharing the leader's are skipped by the kernel.
  if (task->pid != task->tgid) return 0;
  struct inode *inode = file->f_inode;
  if (inode == (void *)0 || (inode->i_mode & S_IFMT) != S_IFSOCK) return 0;
  __u32 record[3] = {(__u32)task->tgid, ctx->fd, (__u32)inode->i_ino};
  bpf_seq_write(ctx->meta->seq, record, sizeof record);
  return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
