"""Two clients of one echo server at 127.0.0.1:PORT: a slow one, whose
connection comes from local port SLOW_PORT (where a rule can single it
out), makes round trips in a thread, while a fast one measures its own
round trips. Prints one line:

  fast_p50=MS fast_p99=MS slow_connect=MS slow_rtt=MS

Usage: isolation_client.py PORT SLOW_PORT [--rounds N]
"""
import argparse
import socket
import statistics
import threading
import time


def rtt(sock):
    start = time.monotonic()
    sock.sendall(b"ping")
    got = b""
    while len(got) < 4:
        got += sock.recv(4 - len(got))
    return (time.monotonic() - start) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("slow_port", type=int)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    server = ("127.0.0.1", args.port)
    slow = {}
    stop = threading.Event()

    def slow_client():
        start = time.monotonic()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", args.slow_port))
        sock.connect(server)
        rtt(sock)  # the first answer: the connection is really served
        slow["connect"] = (time.monotonic() - start) * 1000
        times = []
        while not stop.is_set():
            times.append(rtt(sock))
        slow["rtt"] = statistics.median(times) if times else 0

    thread = threading.Thread(target=slow_client)
    thread.start()
    time.sleep(0.05)
    fast = socket.create_connection(server)
    times = sorted(rtt(fast) for _ in range(args.rounds))
    thread_started = time.monotonic()
    while "connect" not in slow and time.monotonic() - thread_started < 10:
        time.sleep(0.01)
    stop.set()
    thread.join(10)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"fast_p50={statistics.median(times):.2f} fast_p99={p99:.2f} "
          f"slow_connect={slow.get('connect', -1):.0f} slow_rtt={slow.get('rtt', -1):.0f}")


if __name__ == "__main__":
    main()
