"""TCP client for the integration tests: connects, sends a message, reads
its echo back, and prints one line per attempt:

  ok n=BYTES max=LARGEST_RECV intact=yes|no t=SECONDS
  err EXCEPTION ERRNO t=SECONDS

Usage: tcp_client.py PORT [--size N] [--times N (0: forever)]
                          [--interval S] [--timeout S] [--bufsize N]
"""
import argparse
import socket
import sys
import time


def attempt(args, message):
    start = time.monotonic()
    largest = 0
    received = b""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(args.timeout)
            sock.connect(("127.0.0.1", args.port))
            sock.sendall(message)
            while len(received) < len(message):
                chunk = sock.recv(args.bufsize)
                if not chunk:
                    break
                largest = max(largest, len(chunk))
                received += chunk
    except OSError as exc:
        return f"err {type(exc).__name__} {exc.errno} t={time.monotonic() - start:.3f}"
    intact = "yes" if received == message else "no"
    return (f"ok n={len(received)} max={largest} intact={intact} "
            f"t={time.monotonic() - start:.3f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--times", type=int, default=1)
    parser.add_argument("--interval", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=None)
    parser.add_argument("--bufsize", type=int, default=65536)
    args = parser.parse_args()
    # A recognisable pattern, so a reordered or mangled byte shows.
    message = bytes((i * 7 + 13) % 251 for i in range(args.size))
    done = 0
    while args.times == 0 or done < args.times:
        print(attempt(args, message), flush=True)
        done += 1
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main())
