"""A one-thread server that accepts on a non-blocking listening socket
through a selector (poll, select or epoll), writes "hi" to each connection
and closes it. Prints "port N" first.
Usage: selector_server.py poll|select|epoll
"""
import selectors
import socket
import sys

KINDS = {"poll": selectors.PollSelector, "select": selectors.SelectSelector,
         "epoll": selectors.EpollSelector}


def main():
    sel = KINDS[sys.argv[1]]()
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    print(f"port {server.getsockname()[1]}", flush=True)
    while True:
        for _ in sel.select():
            try:
                conn, _ = server.accept()
            except BlockingIOError:
                continue
            conn.sendall(b"hi")
            conn.close()


if __name__ == "__main__":
    main()
