"""TCP echo server on 127.0.0.1 for the integration tests.

Prints "port N" first, then one line per connection saying how it ended as
seen from this side: "closed" (orderly EOF) or "error NAME ERRNO", so a
test can check what the peer of a faulted program observed.
Usage: echo_server.py [PORT]
"""
import socket
import sys
import threading


def serve(conn):
    with conn:
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    print("closed", flush=True)
                    return
                conn.sendall(data)
        except OSError as exc:
            print(f"error {type(exc).__name__} {exc.errno}", flush=True)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = socket.create_server(("127.0.0.1", port))
    print(f"port {server.getsockname()[1]}", flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
