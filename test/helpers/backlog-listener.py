"""Test fixture: a TCP listener that never accepts, so connections wait in its accept queue.
Usage: backlog-listener.py ADDRESS BACKLOG. Prints {"port": P} on stdout, then holds the socket until
stdin closes or 60 seconds pass."""
import json, select, socket, sys

address, backlog = sys.argv[1], int(sys.argv[2])
family = socket.AF_INET6 if ":" in address else socket.AF_INET
s = socket.socket(family, socket.SOCK_STREAM)
s.bind((address, 0))
s.listen(backlog)
print(json.dumps({"port": s.getsockname()[1]}), flush=True)
select.select([sys.stdin], [], [], 60)
