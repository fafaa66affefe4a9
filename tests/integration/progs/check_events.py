"""Checks a chaos-shim event log: every line one flat JSON object with the
documented fields and types, the timestamp in RFC 3339 UTC. Prints the
number of events and their faults ("3 reset,reset,latency"); exits 1 with
the offending line otherwise.
Usage: check_events.py FILE
"""
import datetime
import json
import sys

FIELDS = {"ts": str, "pid": int, "tid": int, "rule": str, "call": str,
          "fd": int, "peer": str, "fault": str}


def check(line):
    event = json.loads(line)
    for key, kind in FIELDS.items():
        if not isinstance(event.get(key), kind):
            raise ValueError(f"field '{key}' missing or not {kind.__name__}")
    for key, value in event.items():
        if isinstance(value, (dict, list)):
            raise ValueError(f"field '{key}' is not flat")
    if not event["ts"].endswith("Z"):
        raise ValueError("ts is not UTC")
    datetime.datetime.fromisoformat(event["ts"][:-1])
    return event["fault"]


def main():
    faults = []
    with open(sys.argv[1], encoding="utf-8") as log:
        for number, line in enumerate(log, 1):
            try:
                faults.append(check(line))
            except ValueError as exc:
                print(f"line {number}: {exc}: {line.rstrip()}")
                return 1
    print(len(faults), ",".join(faults))
    return 0


if __name__ == "__main__":
    sys.exit(main())
