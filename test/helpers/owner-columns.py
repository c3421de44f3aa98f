"""Test fixture for the columnar listing with owners: enters the network namespace at argv[1] (its loopback up)
and holds TCP and UDP sockets in a small family of processes, the cases an owner join must get right: a socket
through several fds of one process (dup), sockets shared with a forked child that stays, a socket passed to
that child over a unix socket (SCM_RIGHTS) and kept by both, sockets only the child holds, a second child
that exited (a zombie, never reaped while the fixture runs) after holding inherited sockets, and another
python3 (the same command, another command line) holding a socket of its own and one passed to it.
Reports {"pid", "child", "zombie", "other"} as one JSON line, then holds everything until stdin closes or 60 s
pass (the other python3 until its stdin, a pipe from this process, closes or 60 s pass)."""
import ctypes, json, os, select, socket, subprocess, sys

libc = ctypes.CDLL(None, use_errno=True)
if libc.setns(os.open(sys.argv[1], os.O_RDONLY), 0x40000000) != 0:
    raise OSError(ctypes.get_errno(), "setns")
keep = []


def listener(family, address):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind((address, 0))
    s.listen(64)
    keep.append(s)
    return s


def connect(server, count):
    for _ in range(count):
        c = socket.socket(server.family, socket.SOCK_STREAM)
        c.connect(server.getsockname())
        a, _ = server.accept()
        keep.extend([c, a])


v4 = listener(socket.AF_INET, "127.0.0.1")
v6 = listener(socket.AF_INET6, "::1")
connect(v4, 8)
connect(v6, 4)
for i in range(6):
    u = socket.socket(socket.AF_INET6 if i % 2 else socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("::1" if i % 2 else "127.0.0.1", 0))
    keep.append(u)
# Several fds on one socket: the listener three times, a UDP socket twice.
keep.extend([os.dup(v4.fileno()), os.dup(v4.fileno()), os.dup(keep[-1].fileno())])
# A child that exits at once after inheriting everything: a zombie while the fixture runs.
zombie = os.fork()
if zombie == 0:
    os._exit(0)
parent_end, child_end = socket.socketpair()
child = os.fork()
if child == 0:
    parent_end.close()
    own = listener(socket.AF_INET, "127.0.0.1")
    connect(own, 2)
    passed = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    passed.bind(("127.0.0.1", 0))
    socket.send_fds(child_end, [b"x"], [passed.fileno()])
    # Holds the inherited sockets, its own and the passed one until the parent goes (its end of the pair closes).
    child_end.recv(1)
    os._exit(0)
child_end.close()
_, fds, _, _ = socket.recv_fds(parent_end, 1, 1)
keep.extend(fds)
# Started as this fixture is (`python3` on the PATH), so with the same command; it inherits a UDP socket that
# this process holds too (made after the forks: the children do not).
shared = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
shared.bind(("127.0.0.1", 0))
keep.append(shared)
other_code = """import select, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
s.listen(4)
print("listening", flush=True)
select.select([sys.stdin], [], [], 60)"""
other = subprocess.Popen(
    ["python3", "-c", other_code, "other"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=[shared.fileno()]
)
other.stdout.readline()
keep.append(other.stdin)
print(json.dumps({"pid": os.getpid(), "child": child, "zombie": zombie, "other": other.pid}), flush=True)
select.select([sys.stdin], [], [], 60)
