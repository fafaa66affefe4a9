"""Loads an echo server over one TCP connection and checks every byte that
comes back, for the integration tests of loss.

  echo_load.py bulk PORT MIB     streams MIB MiB out while reading the echo
                                 back: "bulk sent N received M intact yes|no
                                 seconds S"
  echo_load.py requests PORT N   N round trips of 100 bytes, one after the
                                 other: "requests K of N intact yes|no seconds S"
"""
import hashlib
import random
import socket
import sys
import threading
import time

CHUNK = 65536


def bulk(port, mib):
    data = random.Random(8).randbytes(mib << 20)
    sock = socket.create_connection(("127.0.0.1", port))
    start = time.monotonic()

    def writer():
        for i in range(0, len(data), CHUNK):
            sock.sendall(data[i:i + CHUNK])
        sock.shutdown(socket.SHUT_WR)

    thread = threading.Thread(target=writer)
    thread.start()
    digest, received = hashlib.sha256(), 0
    while chunk := sock.recv(CHUNK):
        digest.update(chunk)
        received += len(chunk)
    thread.join()
    intact = digest.digest() == hashlib.sha256(data).digest()
    print(f"bulk sent {len(data)} received {received} "
          f"intact {'yes' if intact else 'no'} "
          f"seconds {time.monotonic() - start:.3f}")


def requests(port, n):
    sock = socket.create_connection(("127.0.0.1", port))
    start, done, intact = time.monotonic(), 0, True
    for i in range(n):
        message = f"request {i:06d} ".encode().ljust(100, b".")
        sock.sendall(message)
        reply = b""
        while len(reply) < len(message):
            chunk = sock.recv(len(message) - len(reply))
            if not chunk:
                break
            reply += chunk
        intact &= reply == message
        done += len(reply) == len(message)
    print(f"requests {done} of {n} intact {'yes' if intact else 'no'} "
          f"seconds {time.monotonic() - start:.3f}")


def main():
    mode, port, amount = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    (bulk if mode == "bulk" else requests)(port, amount)


if __name__ == "__main__":
    main()
