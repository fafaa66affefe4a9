"""Downloads the page at 127.0.0.1:PORT over HTTP/1.0 on a non-blocking
socket read through a selector (epoll), optionally moved to file
descriptor --fd first, and prints one line:

  ok n=BYTES t=SECONDS cpu=SECONDS wakeups=N

Usage: paced_download.py PORT [--fd N]
"""
import argparse
import os
import resource
import selectors
import socket
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--fd", type=int, default=None)
    args = parser.parse_args()
    sock = socket.create_connection(("127.0.0.1", args.port))
    if args.fd is not None:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft <= args.fd:
            resource.setrlimit(resource.RLIMIT_NOFILE, (args.fd + 1, hard))
        os.dup2(sock.fileno(), args.fd)
        sock.close()
        sock = socket.socket(fileno=args.fd)
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ)
    start, cpu0 = time.monotonic(), time.process_time()
    sock.sendall(b"GET /blob HTTP/1.0\r\n\r\n")
    got = wakeups = 0
    while True:
        sel.select(30)
        wakeups += 1
        try:
            chunk = sock.recv(1 << 20)
        except BlockingIOError:
            continue
        if not chunk:
            break
        got += len(chunk)
    print(f"ok n={got} t={time.monotonic() - start:.3f} "
          f"cpu={time.process_time() - cpu0:.3f} wakeups={wakeups}")


if __name__ == "__main__":
    main()
