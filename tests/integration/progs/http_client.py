"""HTTP clients for the HTTP fault tests, each as an application would
write it. Prints one line per response it got:

  STATUS RETRY-AFTER BODY CLIENT-PORT

Usage: http_client.py MODE URL [--cafile CA] [--path PATH]...

Modes:
  urllib     urllib.request, retrying a 503 after its Retry-After, twice
  requests   requests with urllib3's Retry on 503 (skipped, exit 77,
             without requests)
  keepalive  http.client: GETs of the paths on one connection
  asyncio    asyncio streams: one GET, without blocking calls
  pieces     a POST of "hello" to each path on one connection, every
             request written 3 bytes at a time (its request line split
             over several sends), each response read before the next
"""
import argparse
import asyncio
import http.client
import socket
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def show(status, retry_after, body, port):
    print(status, retry_after or "-", body.strip().decode() or "-", port, flush=True)


def with_urllib(url, ctx):
    for _ in range(3):
        try:
            with urllib.request.urlopen(url, context=ctx, timeout=10) as r:
                show(r.status, None, r.read(), "-")
                return 0
        except urllib.error.HTTPError as e:
            show(e.code, e.headers.get("Retry-After"), e.read(), "-")
            time.sleep(float(e.headers.get("Retry-After", "0")))
    return 1


def with_requests(url, cafile):
    try:
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry
    except ImportError:
        return 77
    session = requests.Session()
    retry = Retry(total=2, status_forcelist=[503], respect_retry_after_header=True,
                  raise_on_status=False)
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    r = session.get(url, verify=cafile or True, timeout=10)
    history = r.raw.retries.history if r.raw.retries else ()
    for h in history:
        print("retried", h.status, flush=True)
    show(r.status_code, r.headers.get("Retry-After"), r.content, "-")
    return 0


def keepalive(url, ctx, paths):
    u = urllib.parse.urlsplit(url)
    conn = (http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=10)
            if u.scheme == "https" else
            http.client.HTTPConnection(u.hostname, u.port, timeout=10))
    for path in paths:
        conn.request("GET", path)
        r = conn.getresponse()
        show(r.status, r.getheader("Retry-After"), r.read(), conn.sock.getsockname()[1])
    return 0


async def with_asyncio(url):
    u = urllib.parse.urlsplit(url)
    reader, writer = await asyncio.open_connection(u.hostname, u.port)
    writer.write(f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}\r\n\r\n".encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    lines = head.decode().split("\r\n")
    headers = dict(l.split(": ", 1) for l in lines[1:] if ": " in l)
    body = await asyncio.wait_for(reader.readexactly(int(headers["Content-Length"])), 10)
    show(int(lines[0].split()[1]), headers.get("Retry-After"), body,
         writer.get_extra_info("sockname")[1])
    writer.close()
    return 0


def in_pieces(url, paths):
    u = urllib.parse.urlsplit(url)
    sock = socket.create_connection((u.hostname, u.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = sock.makefile("rb")
    for path in paths:
        request = (f"POST {path} HTTP/1.1\r\nHost: {u.hostname}\r\n"
                   "Content-Length: 5\r\n\r\nhello").encode()
        for at in range(0, len(request), 3):
            sock.sendall(request[at:at + 3])
            time.sleep(0.005)
        status = int(reader.readline().split()[1])
        headers = {}
        while (line := reader.readline().decode().strip()):
            name, _, value = line.partition(": ")
            headers[name] = value
        body = reader.read(int(headers["Content-Length"]))
        show(status, headers.get("Retry-After"), body, sock.getsockname()[1])
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["urllib", "requests", "keepalive", "asyncio", "pieces"])
    parser.add_argument("url")
    parser.add_argument("--cafile")
    parser.add_argument("--path", action="append", default=[])
    args = parser.parse_args()
    ctx = ssl.create_default_context(cafile=args.cafile) if args.cafile else None
    if args.mode == "urllib":
        return with_urllib(args.url, ctx)
    if args.mode == "requests":
        return with_requests(args.url, args.cafile)
    if args.mode == "keepalive":
        return keepalive(args.url, ctx, args.path)
    if args.mode == "pieces":
        return in_pieces(args.url, args.path)
    return asyncio.run(with_asyncio(args.url))


if __name__ == "__main__":
    sys.exit(main())
