"""Test fixture for the columnar listing: enters the network namespace at argv[1] (its loopback up) and stays
there with a few hundred sockets of every kind `ls -tuan` shows: IPv4 and IPv6 listeners (dual-stack and
v6-only, well-known ports for service names, one with connections it never accepts), connections with unread
data, half-closed pairs (FIN-WAIT-2 / CLOSE-WAIT), closed pairs (TIME-WAIT), bound and connected UDP.
Reports {"pid", "sockets"} as one JSON line, then holds them until stdin closes or 60 seconds pass."""
import ctypes, json, os, select, socket, sys

libc = ctypes.CDLL(None, use_errno=True)
if libc.setns(os.open(sys.argv[1], os.O_RDONLY), 0x40000000) != 0:
    raise OSError(ctypes.get_errno(), "setns")
keep = []


def tcp(family, address, port=0, v6only=None, backlog=256):
    s = socket.socket(family, socket.SOCK_STREAM)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind((address, port))
    s.listen(backlog)
    keep.append(s)
    return s


def pairs(listener, count, then=None):
    family, address = listener.family, listener.getsockname()
    for _ in range(count):
        c = socket.socket(family, socket.SOCK_STREAM)
        c.connect(address)
        a, _ = listener.accept()
        keep.extend([c, a])
        if then is not None:
            then(c, a)


v4 = tcp(socket.AF_INET, "127.0.0.1")
v6 = tcp(socket.AF_INET6, "::1")
for family, address, port in [(socket.AF_INET, "127.0.0.1", 22), (socket.AF_INET, "127.0.0.1", 80),
                              (socket.AF_INET6, "::1", 443)]:
    tcp(family, address, port)
tcp(socket.AF_INET6, "::", 0, v6only=0)
tcp(socket.AF_INET6, "::", 0, v6only=1)
pairs(v4, 120, lambda c, a: c.sendall(b"x" * 100))
pairs(v6, 60)
pairs(v4, 10, lambda c, a: c.shutdown(socket.SHUT_WR))
pairs(v6, 10, lambda c, a: (c.close(), a.close()))
pending = tcp(socket.AF_INET, "127.0.0.1")
for _ in range(5):
    c = socket.socket()
    c.connect(pending.getsockname())
    keep.append(c)
for i in range(30):
    u = socket.socket(socket.AF_INET6 if i % 3 == 0 else socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("::1" if i % 3 == 0 else "127.0.0.1", 53 if i == 1 else 0))
    if i % 5 == 4:
        u.connect(("::1" if i % 3 == 0 else "127.0.0.1", 53))
    keep.append(u)
print(json.dumps({"pid": os.getpid(), "sockets": len(keep)}), flush=True)
select.select([sys.stdin], [], [], 60)
