"""An HTTP/1.0 server that really is slow, for comparing a program under a
fault with the same program against the real condition: each connection
gets its answer WAIT seconds after its request (0: at once), then stays
open a while. Prints "port N" first.
Usage: slow_server.py WAIT
"""
import socket
import sys
import threading
import time

BODY = b"hello from chaos-shim tests\n"


def serve(conn, wait):
    with conn:
        try:
            conn.recv(65536)
            time.sleep(wait)
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(BODY), BODY))
            time.sleep(30)
        except OSError:
            pass


def main():
    wait = float(sys.argv[1])
    server = socket.create_server(("127.0.0.1", 0))
    print(f"port {server.getsockname()[1]}", flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn, wait), daemon=True).start()


if __name__ == "__main__":
    main()
