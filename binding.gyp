{
  "targets": [
    {
      "target_name": "portscope_native",
      "sources": ["native/portscope.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"]
    }
  ]
}
