"""A client that asks a server on 127.0.0.1:PORT for a page with its own
timeout, the way programs do, and prints one line:

  ok n=BYTES t=SECONDS
  err EXCEPTION ERRNO t=SECONDS

Ways (the first argument):
  settimeout  socket.settimeout(S), then connect, send, recv
  urllib      urllib.request.urlopen(url, timeout=S)
  asyncio     asyncio.wait_for(reader.read(), S) on an asyncio stream
  rcvtimeo    a blocking socket with SO_RCVTIMEO = S (recv fails with EAGAIN)
Usage: timeout_client.py WAY PORT SECONDS
"""
import asyncio
import socket
import struct
import sys
import time
import urllib.error
import urllib.request

REQUEST = b"GET / HTTP/1.0\r\n\r\n"


def by_settimeout(port, seconds):
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as s:
        s.sendall(REQUEST)
        return len(s.recv(65536))


def by_urllib(port, seconds):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/",
                                timeout=seconds) as r:
        return len(r.read())


def by_asyncio(port, seconds):
    async def fetch():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(REQUEST)
        try:
            return len(await asyncio.wait_for(reader.read(65536), seconds))
        finally:
            writer.close()
    return asyncio.run(fetch())


def by_rcvtimeo(port, seconds):
    with socket.create_connection(("127.0.0.1", port)) as s:
        whole = int(seconds)
        tv = struct.pack("ll", whole, int((seconds - whole) * 1e6))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, tv)
        s.sendall(REQUEST)
        return len(s.recv(65536))


def main():
    way, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    fetch = {"settimeout": by_settimeout, "urllib": by_urllib,
             "asyncio": by_asyncio, "rcvtimeo": by_rcvtimeo}[way]
    start = time.monotonic()
    try:
        n = fetch(port, seconds)
        print(f"ok n={n} t={time.monotonic() - start:.3f}")
    except (OSError, asyncio.TimeoutError) as exc:
        if isinstance(exc, urllib.error.URLError):  # it wraps the cause
            exc = exc.reason if isinstance(exc.reason, OSError) else exc
        err = getattr(exc, "errno", None)
        print(f"err {type(exc).__name__} {err} t={time.monotonic() - start:.3f}")


if __name__ == "__main__":
    main()
