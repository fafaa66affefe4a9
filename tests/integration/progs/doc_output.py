#!/usr/bin/env python3
"""Compares output shown in the documentation with a real run's output.

doc_output.py shape DOC REAL
    Every line of DOC (a "..." line and blank lines aside) must match a
    line of REAL, in the same order, with its numbers free and runs of
    spaces equal: "resets  yes  30  3" matches "resets yes 41 2".
doc_output.py keys same|subset DOC REAL
    DOC and REAL hold JSON documents (one for the whole file, or one a
    line). "same": the first documents have the same keys, and so do the
    first elements of their "rules". "subset": every key of every DOC
    document is a key of some REAL document.
"""
import json
import re
import sys


def squeeze(line):
    return " ".join(line.split())


def shape(doc, real):
    real_lines = [squeeze(l) for l in open(real, encoding="utf-8", errors="replace")]
    at = 0
    for line in open(doc, encoding="utf-8"):
        line = squeeze(line)
        if not line or line == "...":
            continue
        pattern = re.compile("^" + re.sub(r"\d+", r"\\d+", re.escape(line)) + "$")
        while at < len(real_lines) and not pattern.match(real_lines[at]):
            at += 1
        if at == len(real_lines):
            sys.exit("no line of the output has the shape of '%s'" % line)
        at += 1


def documents(path):
    text = open(path, encoding="utf-8").read()
    try:
        return [json.loads(text)]
    except ValueError:
        return [json.loads(l) for l in text.split("\n") if l.strip().startswith("{")]


def keys(mode, doc, real):
    docs, reals = documents(doc), documents(real)
    if not docs or not reals:
        sys.exit("no JSON document in %s" % (doc if not docs else real))
    if mode == "subset":
        known = set().union(*(r.keys() for r in reals))
        for d in docs:
            if not set(d) <= known:
                sys.exit("keys %s are not in the real output (%s)" % (sorted(set(d) - known), sorted(known)))
        return
    d, r = docs[0], reals[0]
    pairs = [("top level", d, r)]
    if d.get("rules") and r.get("rules"):
        pairs.append(("a rule", d["rules"][0], r["rules"][0]))
    for what, dk, rk in pairs:
        if set(dk) != set(rk):
            sys.exit("%s: the docs show keys %s, the tool prints %s (missing in the docs: %s; not printed: %s)"
                     % (what, sorted(dk), sorted(rk), sorted(set(rk) - set(dk)), sorted(set(dk) - set(rk))))


if __name__ == "__main__":
    if sys.argv[1] == "shape":
        shape(sys.argv[2], sys.argv[3])
    else:
        keys(sys.argv[2], sys.argv[3], sys.argv[4])
