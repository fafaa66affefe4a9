"""An event-loop client for the integration tests: connects to PORT, sends
a request, and reads the answer on a non-blocking socket through epoll
(level-triggered, edge-triggered or one-shot), giving up after --timeout
seconds. Prints one line:

  ok n=BYTES t=SECONDS wakeups=N eagain=N
  timeout t=SECONDS wakeups=N eagain=N

Usage: epoll_client.py PORT {lt,et,oneshot} [--timeout S] [--fd N]
(--fd: the socket is moved to fd N first)
"""
import argparse
import select
import time

import nb_connect


def main():
    parser = argparse.ArgumentParser()
    nb_connect.add_arguments(parser)
    parser.add_argument("mode", choices=["lt", "et", "oneshot"])
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    flags = select.EPOLLIN | {"lt": 0, "et": select.EPOLLET,
                              "oneshot": select.EPOLLONESHOT}[args.mode]
    sock = nb_connect.connect(args)
    ep = select.epoll()
    ep.register(sock.fileno(), flags)
    start = time.monotonic()
    sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
    wakeups = eagain = 0
    while True:
        left = start + args.timeout - time.monotonic()
        if left <= 0:
            print(f"timeout t={time.monotonic() - start:.3f} "
                  f"wakeups={wakeups} eagain={eagain}")
            return
        if not ep.poll(left):
            continue
        wakeups += 1
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            eagain += 1
            if args.mode == "oneshot":
                ep.modify(sock.fileno(), flags)
            continue
        print(f"ok n={len(data)} t={time.monotonic() - start:.3f} "
              f"wakeups={wakeups} eagain={eagain}")
        return


if __name__ == "__main__":
    main()
