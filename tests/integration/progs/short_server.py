"""An HTTP/1.0 server that really stops early, for comparing a client under
an eof or limit_data fault with the same client against the real thing:
each connection is promised a body of 1 MiB (Content-Length) and gets
BYTES bytes of the answer (headers included), after which the server
closes the connection ("close": a FIN) or resets it ("reset": an RST).
Prints "port N" first.
Usage: short_server.py BYTES close|reset
"""
import socket
import struct
import sys
import threading

BODY_LENGTH = 1 << 20


def serve(conn, limit, how):
    with conn:
        try:
            conn.recv(65536)
            answer = (b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n"
                      % BODY_LENGTH) + b"x" * BODY_LENGTH
            conn.sendall(answer[:limit])
            if how == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
        except OSError:
            pass


def main():
    limit, how = int(sys.argv[1]), sys.argv[2]
    server = socket.create_server(("127.0.0.1", 0))
    print(f"port {server.getsockname()[1]}", flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn, limit, how),
                         daemon=True).start()


main()
