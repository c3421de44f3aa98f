"""Test fixture for the filter differential: run inside a network namespace of its own (fixed ports are
safe there), it opens a fixed set of sockets, prints one JSON line, then holds them until stdin closes or
120 seconds pass. Addresses 10.0.0.1/8, 10.1.2.3 and fd00::1 must be on lo (the test adds them)."""
import json, os, select, socket, sys, tempfile, time

keep = []
def tcp_listen(family, address, port, v6only=None):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind((address, port)); s.listen(8); keep.append(s)
    return s

def connect(family, target, source=None):
    c = socket.socket(family, socket.SOCK_STREAM)
    if source is not None:
        c.bind(source)
    c.connect(target); keep.append(c)
    return c

ssh = tcp_listen(socket.AF_INET, "0.0.0.0", 22)
web = tcp_listen(socket.AF_INET, "10.0.0.1", 80)
dual = tcp_listen(socket.AF_INET6, "::", 443, v6only=0)
alt = tcp_listen(socket.AF_INET6, "::1", 8080, v6only=1)
pg = tcp_listen(socket.AF_INET, "127.0.0.1", 5432)
odd = tcp_listen(socket.AF_INET, "10.1.2.3", 26)
v6web = tcp_listen(socket.AF_INET6, "fd00::1", 80, v6only=1)
# Bound by hand inside the ephemeral range: the kernel does not call it autobound, ss's user-space rule would.
high = tcp_listen(socket.AF_INET, "127.0.0.1", 40000)

connect(socket.AF_INET, ("10.0.0.1", 22))                        # autobound client
connect(socket.AF_INET, ("127.0.0.1", 443))                      # IPv4-mapped peer on the dual listener
connect(socket.AF_INET6, ("::1", 8080))
connect(socket.AF_INET, ("127.0.0.1", 5432), ("10.1.2.3", 5000))  # explicitly bound client
connect(socket.AF_INET6, ("fd00::1", 80))
connect(socket.AF_INET, ("10.0.0.1", 80))
for listener in (ssh, dual, alt, pg, v6web, web):
    conn, _ = listener.accept(); keep.append(conn)   # each has one connection waiting
# TIME_WAIT: the side that closes first keeps the connection.
tw = socket.create_connection(("127.0.0.1", 5432)); time.sleep(0.05)
tw_peer, _ = pg.accept(); tw.close(); time.sleep(0.05); tw_peer.close()

marked = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
marked.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 0x13)
marked.bind(("127.0.0.1", 7000)); marked.listen(1); keep.append(marked)
bound = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
bound.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"lo")
bound.bind(("0.0.0.0", 7001)); bound.listen(1); keep.append(bound)

udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("0.0.0.0", 53)); keep.append(udp)
ntp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); ntp.bind(("::1", 123)); keep.append(ntp)
uc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); uc.connect(("127.0.0.1", 53)); keep.append(uc)

d = tempfile.mkdtemp(prefix="portscope-farm-")
def unix(kind, name=None, listen=False):
    s = socket.socket(socket.AF_UNIX, kind)
    if name is not None:
        s.bind(name)
    if listen:
        s.listen(4)
    keep.append(s)
    return s
alpha = unix(socket.SOCK_STREAM, os.path.join(d, "Alpha.sock"), listen=True)
peer = unix(socket.SOCK_STREAM); peer.connect(os.path.join(d, "Alpha.sock"))
server, _ = alpha.accept(); keep.append(server)
unix(socket.SOCK_DGRAM, os.path.join(d, "beta.sock"))
unix(socket.SOCK_STREAM, os.path.join(d, "b1.sock"), listen=True)
unix(socket.SOCK_SEQPACKET, "\0portscope-farm", listen=True)
unix(socket.SOCK_DGRAM, "")                          # autobind: the kernel picks @xxxxx
a, b = socket.socketpair(); keep.extend([a, b])      # unnamed pair

print(json.dumps({"pid": os.getpid(), "dir": d}), flush=True)
deadline = time.time() + 120
while time.time() < deadline:
    ready, _, _ = select.select([sys.stdin], [], [], 1.0)
    if ready and sys.stdin.read(1) == "":
        break
for name in ("Alpha.sock", "beta.sock", "b1.sock"):
    os.unlink(os.path.join(d, name))
os.rmdir(d)
