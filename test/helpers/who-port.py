"""Test fixture for `who` from columns: enters the network namespace at argv[1] (its loopback up) and holds many
sockets on one port P, with the owners a join must get right: TCP listeners on 127.0.0.1:P, ::1:P and a dual-stack
[::]:P (SO_REUSEPORT), UDP on 127.0.0.1:P and ::1:P, 40 connections accepted on 127.0.0.1:P and 6 on ::1:P, one
listener and one UDP socket through two fds (dup), a forked child that stays and holds the inherited sockets and
one accepted connection of its own (closed in the parent), and connections to another port (not P).
Reports {"pid", "child", "port"} as one JSON line, then holds everything until stdin closes or 60 s pass."""
import ctypes, json, os, select, socket, sys

libc = ctypes.CDLL(None, use_errno=True)
if libc.setns(os.open(sys.argv[1], os.O_RDONLY), 0x40000000) != 0:
    raise OSError(ctypes.get_errno(), "setns")
keep = []


def bound(family, kind, address, port, v6only=None):
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind((address, port))
    if kind == socket.SOCK_STREAM:
        s.listen(64)
    keep.append(s)
    return s


def connect(server, count):
    accepted = []
    for _ in range(count):
        c = socket.socket(server.family, socket.SOCK_STREAM)
        c.connect(server.getsockname()[:2])
        a, _ = server.accept()
        keep.append(c)
        accepted.append(a)
    keep.extend(accepted)
    return accepted


v4 = bound(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1", 0)
port = v4.getsockname()[1]
v6 = bound(socket.AF_INET6, socket.SOCK_STREAM, "::1", port, 1)
bound(socket.AF_INET6, socket.SOCK_STREAM, "::", port, 0)
udp = bound(socket.AF_INET, socket.SOCK_DGRAM, "127.0.0.1", port)
bound(socket.AF_INET6, socket.SOCK_DGRAM, "::1", port, 1)
mine = connect(v4, 40)
connect(v6, 6)
connect(bound(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1", 0), 5)
keep.extend([os.dup(v4.fileno()), os.dup(udp.fileno())])
child = os.fork()
if child == 0:
    # Holds what it inherited until the parent goes (select on the parent's stdin, inherited too).
    select.select([sys.stdin], [], [], 60)
    os._exit(0)
# The last accepted connection: the child's alone.
keep.remove(mine[-1])
mine[-1].close()
print(json.dumps({"pid": os.getpid(), "child": child, "port": port}), flush=True)
select.select([sys.stdin], [], [], 60)
