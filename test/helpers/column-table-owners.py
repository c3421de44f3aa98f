"""Test fixture for the native table writer (test/cli/column-table.test.ts): a listener on 127.0.0.1 (port 0)
and 12 connections to it. The process then forks: the child (its command `python3`, printable ASCII) keeps
the even accepted ends and one of them through a second fd too (a row with two fds: no sole owner); the
parent renames itself `pórt✓` (a command the writer cannot copy as bytes) and keeps the odd ones. Prints
{"port", "parent", "child"} as one JSON line, then holds everything until stdin closes or 30 s pass."""
import ctypes, json, os, select, socket, sys

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", 0))
server.listen(64)
clients, accepted = [], []
for _ in range(12):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.connect(server.getsockname())
    clients.append(c)
    accepted.append(server.accept()[0])
child = os.fork()
if child == 0:
    kept = accepted[0::2] + [os.dup(accepted[0].fileno())]
    for s in accepted[1::2]:
        s.close()
    select.select([sys.stdin], [], [], 30)
    os._exit(0)
for s in accepted[0::2]:
    s.close()
ctypes.CDLL(None).prctl(15, "pórt✓".encode())  # PR_SET_NAME
print(json.dumps({"port": server.getsockname()[1], "parent": os.getpid(), "child": child}), flush=True)
select.select([sys.stdin], [], [], 30)
os.kill(child, 9)
os.waitpid(child, 0)
