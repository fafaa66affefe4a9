"""HTTP/1.1 server for the HTTP fault tests: keeps connections alive,
answers every GET, HEAD and POST with 200 and "hello <path>", and writes one
line per request it really received:

  REQ METHOD PATH CLIENT-PORT
  BODY TEXT            (after a request with a body)

so a test can count what reached it, and on which connection.

Usage: http_server.py [--tls CERT KEY] [--first-503]

It prints "port N" once it listens. With --tls it speaks HTTPS. With
--first-503 its first response is a real "503 Service Unavailable" with
"Retry-After: 1", as an overloaded server would answer: the condition the
shim's http_response makes up, for comparison.
"""
import argparse
import http.server
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    refused_once = False

    def log_message(self, fmt, *args):
        pass

    def answer(self, with_body):
        print("REQ", self.command, self.path, self.client_address[1], flush=True)
        length = int(self.headers.get("Content-Length", 0))
        if length:
            print("BODY", self.rfile.read(length).decode(), flush=True)
        if self.server.first_503 and not Handler.refused_once:
            Handler.refused_once = True
            body = b"busy\n"
            self.send_response(503)
            self.send_header("Retry-After", "1")
        else:
            body = b"hello " + self.path.encode() + b"\n"
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_GET(self):
        self.answer(True)

    def do_POST(self):
        self.answer(True)

    def do_HEAD(self):
        self.answer(False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--first-503", action="store_true")
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.first_503 = args.first_503
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*args.tls)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("port", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
