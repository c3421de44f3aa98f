"""A process holding a few sockets for the platform-backend tests: prints their ports and fds as JSON,
then waits until its stdin closes (bounded: at most 120 s)."""
import json
import select
import socket
import sys

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(('127.0.0.1', 0))
listener.listen(8)
listener6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
listener6.bind(('::1', 0))
listener6.listen(8)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(('127.0.0.1', 0))
client = socket.create_connection(('127.0.0.1', listener.getsockname()[1]))
server, _ = listener.accept()
print(json.dumps({
    'tcp': {'port': listener.getsockname()[1], 'fd': listener.fileno()},
    'tcp6': {'port': listener6.getsockname()[1], 'fd': listener6.fileno()},
    'udp': {'port': udp.getsockname()[1], 'fd': udp.fileno()},
    'client': {'port': client.getsockname()[1], 'fd': client.fileno()},
    'server': {'fd': server.fileno()},
}), flush=True)
select.select([sys.stdin], [], [], 120)
