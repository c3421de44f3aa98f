"""Test fixture for the ss column tests: sockets whose ss columns differ in kind (unix types, dual-stack,
keepalive timer, several fds, traffic for tcp_info, TOS, fwmark), reported as one JSON line of inodes on
stdout, then held until stdin closes or 60 seconds pass."""
import json, os, select, socket, sys, tempfile

made = {}
keep = []
def report(name, s):
    keep.append(s)
    made[name] = os.fstat(s.fileno()).st_ino
    return s

dual = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
dual.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
dual.bind(("::", 0)); dual.listen(3); report("dual_listen", dual)
only6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
only6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
only6.bind(("::", 0)); only6.listen(3); report("v6only_listen", only6)

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0)); listener.listen(5); report("tcp_listen", listener)
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
client.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 113)
client.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x10)
client.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 0x2a)
client.connect(listener.getsockname()); report("tcp_client", client)
server, _ = listener.accept(); report("tcp_server", server)
client.sendall(b"x" * 1000)
got = 0
while got < 1000: got += len(server.recv(4096))
server.sendall(b"y" * 500)
got = 0
while got < 500: got += len(client.recv(4096))
made["client_fds"] = [client.fileno(), os.dup(client.fileno())]

udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("127.0.0.1", 0)); report("udp", udp)
opts = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
opts.setsockopt(socket.IPPROTO_IP, 11, 1)  # IP_RECVERR
opts.setsockopt(socket.IPPROTO_IP, 15, 1)  # IP_FREEBIND
opts.bind(("127.0.0.1", 0)); report("udp_opts", opts)
on_lo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
on_lo.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"lo")
on_lo.bind(("127.0.0.1", 0)); report("udp_on_lo", on_lo)

for kind, name in ((socket.SOCK_STREAM, "u_str"), (socket.SOCK_DGRAM, "u_dgr"), (socket.SOCK_SEQPACKET, "u_seq")):
    a, b = socket.socketpair(socket.AF_UNIX, kind)
    report(name + "_a", a); report(name + "_b", b)
d = tempfile.mkdtemp(prefix="portscope-ss-")
path = os.path.join(d, "named.sock")
named = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); named.bind(path); named.listen(2); report("unix_listen", named)

made["pid"] = os.getpid()
print(json.dumps(made), flush=True)
ready, _, _ = select.select([sys.stdin], [], [], 60)
if not ready:
    print("ss-sockets.py: no end of stdin after 60 s, exiting", file=sys.stderr, flush=True)
os.unlink(path)
os.rmdir(d)
