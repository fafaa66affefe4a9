#!/usr/bin/env python3
"""Sends transfers to payments_server.py and retries the ones that fail.

A reset connection leaves the client not knowing whether the server
applied the transfer. Retrying is only safe with an idempotency key: the
same key on every attempt lets the server recognise a retry.

    payments_client.py PORT COUNT [--no-keys]
"""
import http.client
import json
import sys
import uuid

port, count = int(sys.argv[1]), int(sys.argv[2])
use_keys = "--no-keys" not in sys.argv[3:]
ATTEMPTS = 8


def post(transfer, key):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        conn.request("POST", "/transfer", json.dumps(transfer), headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


retries = failed = 0
for n in range(count):
    transfer = {"transfer": n, "to": "acct-%d" % (n % 7), "amount": 10 + n}
    key = str(uuid.uuid4()) if use_keys else None
    for attempt in range(ATTEMPTS):
        try:
            status = post(transfer, key)
            if status in (200, 201):
                break
        except (OSError, http.client.HTTPException) as e:
            print("transfer %d attempt %d: %s" % (n, attempt + 1, e),
                  file=sys.stderr)
        retries += 1
    else:
        failed += 1
print(json.dumps({"transfers": count, "retries": retries, "failed": failed}))
sys.exit(1 if failed else 0)
