"""The one more client of an event-loop benchmark: from a fixed source
port (which the benchmark's rule names as the peer), sends request after
request on one kept-alive connection until it is killed, reading each
reply whole. With PACE_MS, it waits that long before each request: the
traffic of a client whose requests reach the server that late, without
any rule (the real condition a 200 ms recv latency stands for).
Usage: extra_client.py SERVER_PORT SOURCE_PORT redis|http [PACE_MS]
"""
import socket
import sys
import time

REQUESTS = {
    "redis": b"PING\r\n",
    "http": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
}


def read_reply(sock, kind, pending):
    """Reads one reply; returns what came after it."""
    while True:
        if kind == "redis" and b"\r\n" in pending:
            return pending.split(b"\r\n", 1)[1]
        if kind == "http" and b"\r\n\r\n" in pending:
            head, body = pending.split(b"\r\n\r\n", 1)
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(body) >= length:
                return body[length:]
        chunk = sock.recv(65536)
        if not chunk:
            sys.exit("extra client: the server closed the connection")
        pending += chunk


def main():
    port, source, kind = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    pace = int(sys.argv[4]) / 1000 if len(sys.argv) > 4 else 0
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", source))
    sock.connect(("127.0.0.1", port))
    pending = b""
    while True:
        if pace:
            time.sleep(pace)
        sock.sendall(REQUESTS[kind])
        pending = read_reply(sock, kind, pending)


if __name__ == "__main__":
    main()
