"""Test helper: probes the targets in argv[1] (JSON list of {"proto", "host", "port"}) at once, one thread each,
and prints one JSON list of booleans: TCP = the connection was accepted; UDP = the datagram was echoed
(audit-listeners.py echoes). Every probe gives up after argv[2] seconds (default 1)."""
import json, socket, sys, threading

targets = json.loads(sys.argv[1])
timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
results = [False] * len(targets)

def probe(i, t):
    family = socket.AF_INET6 if ":" in t["host"] else socket.AF_INET
    kind = socket.SOCK_STREAM if t["proto"] == "tcp" else socket.SOCK_DGRAM
    with socket.socket(family, kind) as s:
        s.settimeout(timeout)
        try:
            s.connect((t["host"], t["port"]))
            if kind == socket.SOCK_DGRAM:
                s.send(b"probe")
                results[i] = s.recv(64) == b"probe"
            else:
                results[i] = True
        except OSError:
            pass

threads = [threading.Thread(target=probe, args=(i, t)) for i, t in enumerate(targets)]
for t in threads: t.start()
for t in threads: t.join(timeout + 2)
print(json.dumps(results), flush=True)
