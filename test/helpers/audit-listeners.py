"""Test fixture: opens the sockets that argv[1] (JSON) lists, inside the network namespace argv[2] when given
(a path such as /run/netns/NAME), and prints them as one JSON line. Then serves them until stdin closes or
120 seconds pass: accepts and closes TCP connections, echoes UDP datagrams.
Each item: {"proto": "tcp"|"udp", "addr": "0.0.0.0", "port": 0, "v6only": true|false, "inflight": false}.
"inflight": the listening fd is sent over a unix socketpair that nobody reads, then closed: the socket then
lives in that queue only and no process's fd table refers to it (a listener with no owner)."""
import ctypes, json, os, select, socket, sys, time

if len(sys.argv) > 2:
    fd = os.open(sys.argv[2], os.O_RDONLY)
    if ctypes.CDLL(None, use_errno=True).setns(fd, 0x40000000) != 0:
        raise OSError(ctypes.get_errno(), "setns")

made, served, keep = [], [], []
for item in json.loads(sys.argv[1]):
    family = socket.AF_INET6 if ":" in item["addr"] else socket.AF_INET
    kind = socket.SOCK_STREAM if item["proto"] == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6 and "v6only" in item:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if item["v6only"] else 0)
    s.bind((item["addr"], item.get("port", 0)))
    if kind == socket.SOCK_STREAM:
        s.listen(16)
    made.append({**item, "port": s.getsockname()[1], "inode": os.fstat(s.fileno()).st_ino})
    if item.get("inflight"):
        a, b = socket.socketpair()
        socket.send_fds(a, [b"x"], [s.fileno()])
        s.close()
        keep += [a, b]
    else:
        served.append(s)

print(json.dumps({"pid": os.getpid(), "sockets": made}), flush=True)
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    ready, _, _ = select.select(served + [sys.stdin], [], [], 1)
    if sys.stdin in ready:
        break
    for s in ready:
        try:
            if s.type == socket.SOCK_STREAM:
                c, _ = s.accept()
                c.close()
            else:
                data, peer = s.recvfrom(2048)
                s.sendto(data, peer)
        except OSError:
            pass
