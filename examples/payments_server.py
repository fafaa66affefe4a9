#!/usr/bin/env python3
"""A tiny payments API that applies each transfer once per idempotency key.

POST /transfer with a JSON body {"to": ..., "amount": ...} applies the
transfer and appends it to the ledger (one JSON line each). A request that
carries an Idempotency-Key already seen gets the first answer again and
changes nothing: this is how a server makes a client's retries safe.

    payments_server.py LEDGER    # prints "port N" once it listens
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ledger_path = sys.argv[1]
answers = {}  # idempotency key -> the answer its first request got
lock = threading.Lock()


def apply_transfer(transfer):
    with open(ledger_path, "a") as ledger:
        ledger.write(json.dumps(transfer) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        transfer = json.loads(self.rfile.read(length))
        key = self.headers.get("Idempotency-Key")
        with lock:
            if key is not None and key in answers:
                status, body = answers[key]
            else:
                apply_transfer(transfer)
                status, body = 201, json.dumps({"applied": transfer}).encode()
                if key is not None:
                    answers[key] = (status, body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass  # the ledger is the record


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("port", server.server_address[1], flush=True)
server.serve_forever()
