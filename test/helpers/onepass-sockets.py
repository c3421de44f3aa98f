"""Test fixture for the one-pass BPF reader: run inside a network namespace (ip netns exec, loopback up), it
opens TCP and UDP sockets of both families in many states: listeners (v6-only or not, one with a connection
waiting to be accepted, one bound to the lo device), established pairs with unread bytes, a TIME_WAIT socket,
UDP sockets bound, connected and with a datagram waiting. Reports the listener ports as one JSON line, then
holds everything until stdin closes or 60 seconds pass."""
import json, os, select, socket, sys, time

SO_BINDTODEVICE = 25
keep = []


def listener(family, address, backlog, v6only=None):
    s = socket.socket(family, socket.SOCK_STREAM)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind((address, 0))
    s.listen(backlog)
    keep.append(s)
    return s


def pair(server, family, address, data):
    client = socket.socket(family, socket.SOCK_STREAM)
    client.connect((address, server.getsockname()[1]))
    accepted, _ = server.accept()
    if data:
        client.sendall(data)
    keep.extend([client, accepted])
    return client, accepted


tcp4 = listener(socket.AF_INET, "127.0.0.1", 7)
pair(tcp4, socket.AF_INET, "127.0.0.1", b"hello")
waiting = socket.create_connection(("127.0.0.1", tcp4.getsockname()[1]))  # never accepted: Recv-Q 1
keep.append(waiting)
tcp6 = listener(socket.AF_INET6, "::", 5, v6only=1)
pair(tcp6, socket.AF_INET6, "::1", b"sixsix")
dual = listener(socket.AF_INET6, "::", 3, v6only=0)
pair(dual, socket.AF_INET, "127.0.0.1", b"mapped")
bound = socket.socket()
bound.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, b"lo")
bound.bind(("127.0.0.1", 0))
bound.listen(2)
keep.append(bound)
# TIME_WAIT: the side that closes first keeps it (with no unread data, which would make the close a reset).
closing_client, closing_server = pair(listener(socket.AF_INET, "127.0.0.1", 1), socket.AF_INET, "127.0.0.1", b"")
keep.remove(closing_client)
keep.remove(closing_server)
closing_server.close()
closing_client.close()

udp4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp4.bind(("127.0.0.1", 0))
udp6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
udp6.bind(("::1", 0))
udp6c = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
udp6c.connect(udp6.getsockname())
udp6c.send(b"datagram")  # waits unread in udp6: Recv-Q
keep.extend([udp4, udp6, udp6c])
time.sleep(0.2)  # the FIN exchange of the TIME_WAIT pair, and the datagram's delivery

print(json.dumps({
    "pid": os.getpid(),
    "ports": [s.getsockname()[1] for s in (tcp4, tcp6, dual, bound, udp4, udp6)],
}), flush=True)
select.select([sys.stdin], [], [], 60)
