"""Connects to a server of its own that reports when it read the end of
the stream, closes, and says how long the close took, how long after it
the server saw the EOF, and whether its fd count came back to what it was
before the connection once WAIT seconds passed: "close=S eof=S fds=same"
(or "fds=+N").
Usage: close_watch.py WAIT
"""
import os
import socket
import sys
import threading
import time

wait = float(sys.argv[1])
server = socket.create_server(("127.0.0.1", 0))
seen = {}


def serve():
    conn, _ = server.accept()
    while conn.recv(100):
        pass
    seen["eof"] = time.monotonic()
    conn.close()


thread = threading.Thread(target=serve)
thread.start()
before = len(os.listdir("/proc/self/fd"))
client = socket.create_connection(server.getsockname())
client.sendall(b"bye")
time.sleep(0.2)
started = time.monotonic()
client.close()
closed = time.monotonic()
thread.join(30)
time.sleep(max(0.0, wait - (time.monotonic() - started)))
left = len(os.listdir("/proc/self/fd")) - before
print("close=%.3f eof=%.3f fds=%s" % (closed - started, seen["eof"] - started,
                                      "same" if left <= 0 else "+%d" % left))
