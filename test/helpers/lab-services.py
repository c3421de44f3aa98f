"""The lab's services, run inside the lab namespace. argv[1] is JSON:
{"tcp": {port: banner-or-null}, "http": [ports], "udp_echo": [ports], "udp_silent": [ports], "host": "0.0.0.0"}
TCP ports accept and send the banner (if any) then close; HTTP ports answer one GET; UDP echo ports
answer every datagram; UDP silent ports read and never answer. Prints "ready"; exits when stdin
closes or after 300 s."""
import json, os, selectors, socket, sys, time

config = json.loads(sys.argv[1])
sel = selectors.DefaultSelector()
def listen(family, kind, port):
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", port))
    if kind == socket.SOCK_STREAM: s.listen(512)
    s.setblocking(False)
    return s
for family in (socket.AF_INET, socket.AF_INET6):
    for port, banner in config.get("tcp", {}).items():
        sel.register(listen(family, socket.SOCK_STREAM, int(port)), selectors.EVENT_READ, ("tcp", banner))
    for port in config.get("http", []):
        sel.register(listen(family, socket.SOCK_STREAM, port), selectors.EVENT_READ, ("http", None))
    for port in config.get("udp_echo", []):
        sel.register(listen(family, socket.SOCK_DGRAM, port), selectors.EVENT_READ, ("udp_echo", None))
    for port in config.get("udp_silent", []):
        sel.register(listen(family, socket.SOCK_DGRAM, port), selectors.EVENT_READ, ("udp_silent", None))
sel.register(sys.stdin, selectors.EVENT_READ, ("stdin", None))
print("ready", flush=True)
deadline = time.time() + 300
while time.time() < deadline:
    for key, _ in sel.select(timeout=1):
        kind, banner = key.data
        s = key.fileobj
        if kind == "stdin":
            if not os.read(sys.stdin.fileno(), 4096): sys.exit(0)
        elif kind == "tcp":
            try:
                c, _ = s.accept()
                if banner: c.sendall(banner.encode() + b"\r\n")
                c.close()
            except OSError: pass
        elif kind == "http":
            try:
                c, _ = s.accept()
                c.settimeout(2)
                c.recv(4096)
                c.sendall(b"HTTP/1.0 200 OK\r\nServer: lab-httpd/1.0\r\nContent-Length: 2\r\n\r\nok")
                c.close()
            except OSError: pass
        elif kind == "udp_echo":
            try:
                data, peer = s.recvfrom(4096)
                s.sendto(b"echo:" + data[:64], peer)
            except OSError: pass
        else:
            try: s.recvfrom(4096)
            except OSError: pass
