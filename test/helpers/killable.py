"""A listening process for kill tests. argv[1] is the mode:

- term:   exits on SIGTERM (Python's default);
- ignore: ignores SIGTERM (only SIGKILL stops it);
- fork:   forks after listen, so parent and child share the listening socket; both exit on SIGTERM;
- let-go: closes its listener on SIGUSR1 and keeps running;
- respawn: on SIGTERM forks a child that keeps the listener (and exits on SIGTERM, or after 30 s),
  then exits 0.3 s later, as a supervisor handing over to a new worker would;
- prefork: a master and two forked workers share the listener, the master with the larger fd table
  (so an fd walk that visits small tables first meets a worker before the master).

Prints one JSON line {"port", "pid", "child_pid", "workers"} when ready. Every mode exits when stdin closes,
and after 60 s at the latest (SIGALRM), so a failed test never leaves it behind.
"""
import json, os, signal, socket, sys, time

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
if mode == "respawn":
    def respawn(_signum, _frame):
        if os.fork() == 0:
            # Not tied to stdin: Node closes the pipe when the parent exits. Gone after 30 s at the latest.
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.alarm(30)
            while True:
                signal.pause()
        time.sleep(0.3)
        os._exit(0)
    signal.signal(signal.SIGTERM, respawn)
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
