#!/usr/bin/env python3
"""A scripted TCP peer, as OpenBSD's regress/usr.bin/nc uses client-tcp and server-tcp (our own code).

  tcp-peer.py client HOST PORT ACTIONS...   connect, then run ACTIONS
  tcp-peer.py server HOST PORT ACTIONS...   listen (PORT 0: any), print the port, accept one client, run ACTIONS

ACTIONS run in order: `-s LINE` sends LINE and a newline; `-r LINE` reads one line and fails unless it
is LINE; `-N` shuts down the write side; `-E` reads until EOF and fails if any data comes. Exits 0 when
every action succeeded, 1 otherwise; every step is bounded (20 s).
"""
import socket
import sys


def main() -> int:
    role, host, port, *actions = sys.argv[1:]
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if role == "server":
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, int(port)))
        listener.listen(1)
        print(listener.getsockname()[1], flush=True)
        listener.settimeout(20)
        conn, _ = listener.accept()
        listener.close()
    else:
        conn = socket.create_connection((host, int(port)), timeout=20)
    conn.settimeout(20)
    reader = conn.makefile("rb")
    i = 0
    while i < len(actions):
        action = actions[i]
        if action == "-s":
            conn.sendall(actions[i + 1].encode() + b"\n")
            i += 2
        elif action == "-r":
            line = reader.readline()
            if line != actions[i + 1].encode() + b"\n":
                print(f"expected {actions[i + 1]!r}, got {line!r}", file=sys.stderr)
                return 1
            i += 2
        elif action == "-N":
            conn.shutdown(socket.SHUT_WR)
            i += 1
        elif action == "-E":
            rest = reader.read()
            if rest:
                print(f"expected EOF, got {rest!r}", file=sys.stderr)
                return 1
            i += 1
        else:
            print(f"unknown action {action}", file=sys.stderr)
            return 2
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
