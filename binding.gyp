{
  "targets": [
    {
      "target_name": "portscope_native",
      "sources": ["native/portscope.c", "native/common.c", "native/diag.c", "native/diag-async.c", "native/walk.c", "native/pidfd.c", "native/destroy.c", "native/bpf.c", "native/bpf-sockets.c", "native/bpf-heap.c", "native/unixdgram.c", "native/scan.c", "native/scan-loop.c", "native/scan-slots.c", "native/table.c", "native/diag-columns.c", "native/onepass-columns.c", "native/table-keys.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
      "libraries": ["-ldl", "-lpthread"]
    }
  ]
}
