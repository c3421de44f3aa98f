"""A listening process for kill tests. argv[1] is the mode:

- term:   exits on SIGTERM (Python's default);
- ignore: ignores SIGTERM (only SIGKILL stops it);
- fork:   forks after listen, so parent and child share the listening socket; both exit on SIGTERM;
- let-go: closes its listener on SIGUSR1 and keeps running;
- prefork: a master and two forked workers share the listener, the master with the larger fd table
  (so an fd walk that visits small tables first meets a worker before the master).

Prints one JSON line {"port", "pid", "child_pid", "workers"} when ready. Every mode exits when stdin closes,
and after 60 s at the latest (SIGALRM), so a failed test never leaves it behind.
"""
import json, os, signal, socket, sys

mode = sys.argv[1]
signal.alarm(60)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
s.listen(8)
if mode == "ignore":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if mode == "let-go":
    def let_go(_signum, _frame):
        s.close()
        print("closed", flush=True)
    signal.signal(signal.SIGUSR1, let_go)
child = 0
if mode == "fork":
    child = os.fork()
    if child == 0:
        signal.alarm(60)
        sys.stdin.read()
        os._exit(0)
workers = []
if mode == "prefork":
    for _ in range(2):
        worker = os.fork()
        if worker == 0:
            signal.alarm(60)
            sys.stdin.read()
            os._exit(0)
        workers.append(worker)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 300)
print(json.dumps({"port": s.getsockname()[1], "pid": os.getpid(), "child_pid": child, "workers": workers}), flush=True)
while sys.stdin.read(1) not in ("",):
    pass
