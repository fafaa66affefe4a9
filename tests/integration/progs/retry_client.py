"""HTTP client for the sweep and bisect tests: makes N GET requests, each on
a new connection, and tries a failed request once more, except the third,
whose failure is fatal. Prints one line per attempt and exits 1 at the
first request it gives up on, 0 when every request got its 200.

  ok REQUEST
  failed REQUEST EXCEPTION

Usage: retry_client.py PORT [--requests N] [--hang-on-failure]

With --hang-on-failure it sleeps for a minute at its first failed attempt
(the test of stopping a sweep needs runs that are still going).
"""
import argparse
import http.client
import sys
import time


def get(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/")
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise http.client.HTTPException(f"status {response.status}")
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--hang-on-failure", action="store_true")
    args = parser.parse_args()
    for request in range(1, args.requests + 1):
        for attempt in (1, 2):
            try:
                get(args.port)
                print("ok", request, flush=True)
                break
            except (OSError, http.client.HTTPException) as e:
                print("failed", request, type(e).__name__, flush=True)
                if args.hang_on_failure:
                    time.sleep(60)
                if request == 3 or attempt == 2:
                    sys.exit(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
