"""sendfile, splice and copy_file_range on a loopback TCP connection, as
python calls them (socket.sendfile, os.splice, os.copy_file_range).

A thread of the same process is the other end: it only receives (or, for
splice-in, only sends), so a rule on one family touches one side.
Usage:
  fdcopy.py sendfile FILE     prints "sendfile sent N received M sha256 H seconds S"
  fdcopy.py sock_sendfile FILE  the same through asyncio's loop.sock_sendfile,
                              sendfile on a non-blocking socket
  fdcopy.py splice-out N      N bytes from a pipe into the socket: "splice returned R"
  fdcopy.py splice-in N       N bytes from the socket into a pipe: "splice returned R"
  fdcopy.py copy_file_range   "copy_file_range returned R" or "... error ENAME"
  fdcopy.py udp-sendfile FILE into a UDP socket, a sendfile of 100 bytes
                              from the file's position and a splice of 100
                              from a pipe: "returned A B position P pipe Q
                              received DATAGRAMS"
"""
import asyncio
import errno
import hashlib
import os
import socket
import sys
import threading
import time


def connected_pair():
    server = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(server.getsockname())
    conn, _ = server.accept()
    server.close()
    return client, conn


def sink(conn, result):
    digest, total = hashlib.sha256(), 0
    while data := conn.recv(65536):
        digest.update(data)
        total += len(data)
    result.extend([total, digest.hexdigest()])


def run_sendfile(path):
    client, conn = connected_pair()
    result = []
    reader = threading.Thread(target=sink, args=(conn, result))
    reader.start()
    start = time.monotonic()
    with open(path, "rb") as f:
        sent = client.sendfile(f)
    seconds = time.monotonic() - start
    client.shutdown(socket.SHUT_WR)
    reader.join()
    print(f"sendfile sent {sent} received {result[0]} sha256 {result[1]} "
          f"seconds {seconds:.3f}")


def run_sock_sendfile(path):
    async def main():
        loop = asyncio.get_running_loop()
        client, conn = connected_pair()
        client.setblocking(False)
        result = []
        reader = loop.run_in_executor(None, sink, conn, result)
        start = time.monotonic()
        with open(path, "rb") as f:
            sent = await loop.sock_sendfile(client, f)
        seconds = time.monotonic() - start
        client.shutdown(socket.SHUT_WR)
        await reader
        print(f"sock_sendfile sent {sent} received {result[0]} "
              f"sha256 {result[1]} seconds {seconds:.3f}")
    asyncio.run(main())


def run_splice(direction, n):
    client, conn = connected_pair()
    r, w = os.pipe()
    if direction == "out":
        os.write(w, b"s" * n)
        src, dst = r, client.fileno()
    else:
        conn.sendall(b"s" * n)
        src, dst = client.fileno(), w
    try:
        print(f"splice returned {os.splice(src, dst, n)}")
    except OSError as exc:
        print(f"splice error {errno.errorcode[exc.errno]}")


def run_copy_file_range():
    client, _ = connected_pair()
    with open(__file__, "rb") as f:
        try:
            n = os.copy_file_range(f.fileno(), client.fileno(), 10)
            print(f"copy_file_range returned {n}")
        except OSError as exc:
            print(f"copy_file_range error {errno.errorcode[exc.errno]}")


def run_udp_sendfile(path):
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx.connect(rx.getsockname())
    r, w = os.pipe()
    os.write(w, b"p" * 100)
    with open(path, "rb") as f:
        a = os.sendfile(tx.fileno(), f.fileno(), None, 100)
        position = f.tell()
    b = os.splice(r, tx.fileno(), 100)
    os.set_blocking(r, False)
    try:
        left = len(os.read(r, 1000))
    except BlockingIOError:
        left = 0
    rx.setblocking(False)
    received = 0
    time.sleep(0.1)
    try:
        while rx.recv(1000):
            received += 1
    except BlockingIOError:
        pass
    print(f"returned {a} {b} position {position} pipe {left} received {received}")


def main():
    mode = sys.argv[1]
    if mode == "sendfile":
        run_sendfile(sys.argv[2])
    elif mode == "sock_sendfile":
        run_sock_sendfile(sys.argv[2])
    elif mode in ("splice-out", "splice-in"):
        run_splice(mode.split("-")[1], int(sys.argv[2]))
    elif mode == "udp-sendfile":
        run_udp_sendfile(sys.argv[2])
    elif mode == "copy_file_range":
        run_copy_file_range()
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
