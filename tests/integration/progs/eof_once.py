"""Sends a line to an echo server (plain, or TLS trusting ca.pem) and reads
until the echo is back, at most three times; prints what each read gave:
b'...' for bytes, or the exception's name.
Usage: eof_once.py PORT plain|tls
"""
import socket
import ssl
import sys

port, tls = int(sys.argv[1]), sys.argv[2] == "tls"
conn = socket.create_connection(("127.0.0.1", port), timeout=10)
if tls:
    ctx = ssl.create_default_context(cafile="ca.pem")
    conn = ctx.wrap_socket(conn, server_hostname="127.0.0.1",
                           suppress_ragged_eofs=False)
conn.sendall(b"ping\n")
seen = []
for _ in range(3):
    try:
        got = conn.recv(100)
    except OSError as e:
        seen.append(type(e).__name__)
        continue
    seen.append(repr(got))
    if got:
        break
print(" ".join(seen))
