"""A one-thread echo server on 127.0.0.1 driven by selectors' epoll
(level-triggered), non-blocking sockets, as a small event loop is written.
Prints "port N" first.
Usage: epoll_echo.py
"""
import selectors
import socket


def main():
    sel = selectors.EpollSelector()
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    print(f"port {server.getsockname()[1]}", flush=True)
    while True:
        for key, _ in sel.select():
            if key.fileobj is server:
                try:
                    conn, _ = server.accept()
                except BlockingIOError:
                    continue
                conn.setblocking(False)
                sel.register(conn, selectors.EVENT_READ)
                continue
            conn = key.fileobj
            try:
                data = conn.recv(65536)
            except BlockingIOError:
                continue
            if not data:
                sel.unregister(conn)
                conn.close()
                continue
            conn.setblocking(True)  # the echo is small: it fits at once
            conn.sendall(data)
            conn.setblocking(False)


if __name__ == "__main__":
    main()
