"""A non-blocking echo client driven by a selector (epoll): sends SIZE
bytes of a pattern to the echo server at 127.0.0.1:PORT as fast as the
socket takes them, reads the echo back, and prints one line:

  ok n=BYTES intact=yes|no send_ms=LONGEST_SEND_CALL first_echo_ms=MS t=SECONDS

Usage: nb_echo_client.py PORT [--size N] [--fd N]
(--fd: the socket is moved to fd N first)
"""
import argparse
import selectors
import time

import nb_connect


def main():
    parser = argparse.ArgumentParser()
    nb_connect.add_arguments(parser)
    parser.add_argument("--size", type=int, default=16)
    args = parser.parse_args()
    message = bytes((i * 7 + 13) % 251 for i in range(args.size))
    sock = nb_connect.connect(args)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    start = time.monotonic()
    sent, received, longest, first_echo = 0, b"", 0.0, None
    while len(received) < len(message):
        events = sel.select(10)
        if not events:
            break
        for _, mask in events:
            if mask & selectors.EVENT_WRITE and sent < len(message):
                t = time.monotonic()
                try:
                    sent += sock.send(message[sent:sent + 65536])
                except BlockingIOError:
                    pass
                longest = max(longest, time.monotonic() - t)
                if sent == len(message):
                    sel.modify(sock, selectors.EVENT_READ)
            if mask & selectors.EVENT_READ:
                try:
                    chunk = sock.recv(65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    break
                if first_echo is None:
                    first_echo = time.monotonic() - start
                received += chunk
    intact = "yes" if received == message else "no"
    print(f"ok n={len(received)} intact={intact} send_ms={longest * 1000:.1f} "
          f"first_echo_ms={(first_echo or 0) * 1000:.0f} t={time.monotonic() - start:.3f}")


if __name__ == "__main__":
    main()
