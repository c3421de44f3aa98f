"""Test fixture for owner walks of a large fd table: a process holding a TCP listener and 2,600 unix socket
pairs (5,201 socket fds: its fd table grows past 4,096, so /proc/PID/status says FDSize 8192), and a forked
child holding the same listener with a small table of its own (it closes its copies of the pairs). Raises
its RLIMIT_NOFILE soft limit to the hard one (at least 6,000 needed). Reports pids, the listener's port and
inode and the first pair's inodes as one JSON line, then holds everything until stdin closes or 300 seconds
pass; the child exits with it."""
import json, os, resource, select, socket, sys

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = 6000 if hard == resource.RLIM_INFINITY else min(hard, 6000)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(8)
pairs = [socket.socketpair() for _ in range(2600)]

pid = os.fork()
if pid == 0:
    for a, b in pairs:
        a.close()
        b.close()
    # Exits when the parent does (its stdin is the parent's, closed by the test).
    select.select([sys.stdin], [], [], 300)
    os._exit(0)

ino = lambda s: os.fstat(s.fileno()).st_ino
print(json.dumps({
    "pid": os.getpid(),
    "child": pid,
    "port": listener.getsockname()[1],
    "listener": ino(listener),
    "pair": [ino(pairs[0][0]), ino(pairs[0][1])],
}), flush=True)
select.select([sys.stdin], [], [], 300)
