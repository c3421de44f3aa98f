"""Test fixture: enters the network namespace at argv[1], opens a TCP listener on 127.0.0.1 (port 0)
and a raw ICMP socket there, and returns to its own namespace: the namespace then holds sockets but
no process. Reports them as one JSON line, then holds them until stdin closes or 60 seconds pass."""
import ctypes, json, os, select, socket, sys

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")


home = os.open("/proc/self/ns/net", os.O_RDONLY)
target = os.open(sys.argv[1], os.O_RDONLY)
setns(target)
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(3)
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
setns(home)
print(json.dumps({
    "pid": os.getpid(),
    "port": listener.getsockname()[1],
    "inode": os.fstat(listener.fileno()).st_ino,
    "rawInode": os.fstat(raw.fileno()).st_ino,
}), flush=True)
select.select([sys.stdin], [], [], 60)
