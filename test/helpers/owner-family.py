"""Test fixture for owner walks: a process holding a TCP listener (shared with a forked child), a UDP
socket and a unix socket pair, with 40 threads (sharing its fd table; one opened a socket of its own);
the child also holds a socket of its own, and a second child moves to a new network namespace
(unshare) and listens there. Reports pids and socket inodes as one JSON line, then holds everything
until stdin closes or 300 seconds pass; the children exit with it."""
import ctypes, json, os, select, socket, sys, threading

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(8)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
pair = socket.socketpair()
stop = threading.Event()
from_thread = []


def idle(index):
    if index == 0:
        from_thread.append(socket.socket(socket.AF_INET6, socket.SOCK_STREAM))
    stop.wait(300)


threads = [threading.Thread(target=idle, args=(i,), daemon=True) for i in range(40)]
for t in threads:
    t.start()
while not from_thread:
    pass


def child(body):
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        info = body()
        os.write(ready_w, (json.dumps(info) + "\n").encode())
        os.close(ready_w)
        # Exits when the parent does (its stdin is the parent's, closed by the test).
        select.select([sys.stdin], [], [], 300)
        os._exit(0)
    os.close(ready_w)
    with os.fdopen(ready_r) as r:
        return pid, json.loads(r.readline())


def forked():
    own = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    own.bind(("127.0.0.1", 0))
    forked.keep = own
    return {"inode": os.fstat(own.fileno()).st_ino}


def in_netns():
    if libc.unshare(CLONE_NEWNET) != 0:
        return {"error": os.strerror(ctypes.get_errno())}
    lo = socket.socket()
    lo.bind(("127.0.0.1", 0))
    lo.listen(1)
    in_netns.keep = lo
    return {"inode": os.fstat(lo.fileno()).st_ino, "netns": os.stat("/proc/self/ns/net").st_ino}


child_pid, child_info = child(forked)
netns_pid, netns_info = child(in_netns)
ino = lambda s: os.fstat(s.fileno()).st_ino
print(json.dumps({
    "pid": os.getpid(),
    "port": listener.getsockname()[1],
    "listener": ino(listener),
    "udp": ino(udp),
    "udpPort": udp.getsockname()[1],
    "pair": [ino(pair[0]), ino(pair[1])],
    "threadSocket": ino(from_thread[0]),
    "child": {"pid": child_pid, **child_info},
    "netnsChild": {"pid": netns_pid, **netns_info},
}), flush=True)
select.select([sys.stdin], [], [], 300)
stop.set()
