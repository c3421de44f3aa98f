"""Test fixture for policy checks: a TCP listener on ADDRESS and a free port, reported as one JSON line
({"pid", "port"}), held until stdin closes (at most 30 s). argv: ADDRESS (default 0.0.0.0)."""
import json, os, select, socket, sys

s = socket.socket()
s.bind((sys.argv[1] if len(sys.argv) > 1 else "0.0.0.0", 0))
s.listen(8)
print(json.dumps({"pid": os.getpid(), "port": s.getsockname()[1]}), flush=True)
select.select([sys.stdin], [], [], 30)
