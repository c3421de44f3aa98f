"""A bounded SOCKS4/4a server for tests: prints its port, then one JSON line per request
(version, command, port, address, user id, name). It grants every request except user id
`refuse-me` (reply 91), and then, instead of connecting anywhere, echoes what the client sends
until its FIN. It stops after 20 s or 10 requests."""
import json, socket, sys, threading, time

l = socket.socket()
l.bind(('127.0.0.1', 0))
l.listen(10)
l.settimeout(1)
print(l.getsockname()[1], flush=True)


def read_until_nul(c, data):
    while b'\0' not in data:
        more = c.recv(256)
        if not more:
            raise EOFError
        data += more
    return data.split(b'\0', 1)


def serve(c):
    c.settimeout(5)
    try:
        data = b''
        while len(data) < 8:
            more = c.recv(256)
            if not more:
                return
            data += more
        head, rest = data[:8], data[8:]
        user, rest = read_until_nul(c, rest)
        address = '.'.join(str(b) for b in head[4:8])
        name = None
        if address.startswith('0.0.0.') and address != '0.0.0.0':
            name, rest = read_until_nul(c, rest)
            name = name.decode()
        print(json.dumps({'version': head[0], 'command': head[1], 'port': int.from_bytes(head[2:4], 'big'),
                          'address': address, 'user': user.decode(), 'name': name}), flush=True)
        granted = user != b'refuse-me'
        c.sendall(bytes([0, 90 if granted else 91, 0, 0, 0, 0, 0, 0]))
        if not granted:
            return
        if rest:
            c.sendall(rest)
        while True:
            d = c.recv(4096)
            if not d:
                break
            c.sendall(d)
    except (OSError, EOFError):
        pass
    finally:
        c.close()


end = time.time() + 20
served = 0
while time.time() < end and served < 10:
    try:
        c, _ = l.accept()
    except socket.timeout:
        continue
    served += 1
    threading.Thread(target=serve, args=(c,), daemon=True).start()
time.sleep(1)
