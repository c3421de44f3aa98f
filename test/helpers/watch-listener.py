"""Test fixture for watch: one listener, reported as one JSON line, held until stdin closes (at most 30 s).
argv: tcp|udp|blink PORT [udp-outside-ephemeral]
  tcp PORT    listens on 127.0.0.1:PORT (0: any free port), SO_REUSEADDR (a restart can take the port at once).
  udp PORT    binds an unconnected UDP socket on 127.0.0.1:PORT; PORT -1: a free port below ip_local_port_range.
  udpclient   a UDP client: unconnected, bound by the kernel to an ephemeral port (sendto), plus a connected one.
  cue PORT    reports first, then listens on 127.0.0.1:PORT when a line comes on stdin (a restart with no start-up delay).
  blink MS    listens on a free TCP port for MS milliseconds, closes it, then reports (and stays)."""
import json, os, random, select, socket, sys, time

kind, arg = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0
keep = []
if kind == "cue":
    print(json.dumps({"pid": os.getpid(), "port": arg}), flush=True)
    sys.stdin.readline()
    kind = "tcp"
if kind == "tcp":
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", arg)); s.listen(8); keep.append(s)
    port = s.getsockname()[1]
elif kind == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if arg >= 0:
        s.bind(("127.0.0.1", arg))
    else:
        low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
        for _ in range(200):
            try:
                s.bind(("127.0.0.1", random.randrange(10000, low))); break
            except OSError:
                continue
    keep.append(s); port = s.getsockname()[1]
elif kind == "udpclient":
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.sendto(b"x", ("127.0.0.1", 9)); keep.append(a)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.connect(("127.0.0.1", 9)); keep.append(b)
    port = [a.getsockname()[1], b.getsockname()[1]]
elif kind == "blink":
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
    port = s.getsockname()[1]
    time.sleep(arg / 1000); s.close()
else:
    sys.exit("unknown kind " + kind)
if sys.argv[1] != "cue":
    print(json.dumps({"pid": os.getpid(), "port": port}), flush=True)
select.select([sys.stdin], [], [], 30)
