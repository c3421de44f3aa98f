{
  "targets": [
    {
      "target_name": "portscope_native",
      "sources": ["native/portscope.c", "native/common.c", "native/diag.c", "native/walk.c", "native/pidfd.c", "native/destroy.c", "native/bpf.c", "native/bpf-sockets.c", "native/unixdgram.c", "native/scan.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
      "libraries": ["-ldl", "-lpthread"]
    }
  ]
}
