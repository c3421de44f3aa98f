"""Test fixture: opens one socket of each kind on loopback, reports them as one JSON line on stdout,
then holds them until stdin closes or 60 seconds pass. A forked child shares one listener."""
import json, os, select, socket, sys, tempfile, time

made = {}
def fd_of(name, s):
    made[name] = {"fd": s.fileno(), "local": list(s.getsockname())[:2] if s.family != socket.AF_UNIX else s.getsockname()}

keep = []
def keep_sock(name, s):
    keep.append(s)
    fd_of(name, s)
    return s

tcp4 = keep_sock("tcp4_listen", socket.socket(socket.AF_INET, socket.SOCK_STREAM))
tcp4.bind(("127.0.0.1", 0)); tcp4.listen(7)
made["tcp4_listen"]["local"] = list(tcp4.getsockname())
tcp6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
tcp6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
tcp6.bind(("::1", 0)); tcp6.listen(5); keep_sock("tcp6_listen", tcp6)
mapped = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
mapped.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
mapped.bind(("::", 0)); mapped.listen(5); keep_sock("tcp6_dual_listen", mapped)
client = socket.create_connection(("127.0.0.1", tcp4.getsockname()[1])); keep_sock("tcp4_client", client)
server, _ = tcp4.accept(); keep_sock("tcp4_server", server)
mclient = socket.create_connection(("127.0.0.1", mapped.getsockname()[1])); keep_sock("tcp4_to_dual", mclient)
mserver, _ = mapped.accept(); keep_sock("tcp6_mapped_server", mserver)
# TIME_WAIT: the side that closes first keeps the connection in TIME_WAIT (inode 0, no owner).
tw_client = socket.create_connection(("127.0.0.1", tcp4.getsockname()[1]))
tw_server, _ = tcp4.accept()
made["tcp4_time_wait"] = {"local": list(tw_client.getsockname()), "peer": list(tw_client.getpeername())}
tw_client.close(); time.sleep(0.05); tw_server.close()

udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("127.0.0.1", 0)); keep_sock("udp4_bound", udp)
udpc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udpc.connect(udp.getsockname()); keep_sock("udp4_connected", udpc)
made["udp4_connected"]["peer"] = list(udp.getsockname())
udp6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); udp6.bind(("::1", 0)); keep_sock("udp6_bound", udp6)

d = tempfile.mkdtemp(prefix="portscope test ")
path = os.path.join(d, "stream with space.sock")
ustream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); ustream.bind(path); ustream.listen(3); keep_sock("unix_stream_listen", ustream)
uc = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); uc.connect(path); keep_sock("unix_stream_client", uc)
us, _ = ustream.accept(); keep_sock("unix_stream_server", us)
dpath = os.path.join(d, "dgram.sock")
udg = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); udg.bind(dpath); keep_sock("unix_dgram", udg)
abstract_name = "\0portscope-test-%d" % os.getpid()
ab = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); ab.bind(abstract_name); ab.listen(1); keep_sock("unix_abstract", ab)
made["unix_abstract"]["local"] = "@" + abstract_name[1:]
made["unix_stream_listen"]["local"] = path
made["unix_dgram"]["local"] = dpath

shared = socket.socket(socket.AF_INET, socket.SOCK_STREAM); shared.bind(("127.0.0.1", 0)); shared.listen(4)
keep_sock("tcp4_shared", shared)
parent = os.getpid()  # taken before the fork: the child may first run after the parent is gone
child = os.fork()
if child == 0:
    # The child holds the inherited listener until the parent is gone (bounded by 60 s as well).
    for _ in range(600):
        if os.getppid() != parent: break
        time.sleep(0.1)
    os._exit(0)
# Grow the parent's fd table past the child's (FDSize 512 against 256 or less). A forked child's table can be
# smaller than its parent's, and `who`'s fast walk visits small tables first: it must still find the parent.
os.dup2(os.open(os.devnull, os.O_RDONLY), 300)
made["child_pid"] = child
made["pid"] = os.getpid()
made["dir"] = d
print(json.dumps(made), flush=True)
ready, _, _ = select.select([sys.stdin], [], [], 60)
if not ready:
    print("sockets.py: no end of stdin after 60 s, exiting", file=sys.stderr, flush=True)
os.kill(child, 9)
for p in (path, dpath):
    if os.path.exists(p): os.unlink(p)
os.rmdir(d)
