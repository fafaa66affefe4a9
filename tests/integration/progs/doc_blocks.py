#!/usr/bin/env python3
"""Extracts the examples of the documentation for test_doc_examples.sh.

Usage: doc_blocks.py OUTDIR FILE...

Every fenced block of a Markdown file and every .nf/.fi block of a man page
is written to OUTDIR/N.txt (roff escapes undone, a list item's indentation
taken away); OUTDIR/index.tsv has one line per block:
N, FILE:LINE (the line of the opening fence), the fence's language (or the
man page's section), and what the block holds: "profile" (libconfig text,
a whole profile or rules), "json" (one document or one a line) or "other" (every block tagged with a
language, and the rest).
"""
import json
import os
import re
import sys

FENCE = re.compile(r"^(\s*)```(\w*)\s*$")
ROFF_FONT = re.compile(r"\\f[BIRP]")
CODE = {"sh", "bash", "python", "js", "yaml", "dockerfile"}


def markdown_blocks(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening:
            indent, lang = len(opening.group(1)), opening.group(2)
            end = i + 1
            while end < len(lines) and not re.match(r"^\s*```\s*$", lines[end]):
                end += 1
            body = [line[indent:] if not line[:indent].strip() else line.lstrip()
                    for line in lines[i + 1:end]]
            yield i + 1, lang, "\n".join(body) + "\n"
            i = end
        i += 1


def man_blocks(path):
    section = ""
    body = None
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if line.startswith(".SH "):
            section = line[4:].strip().strip('"').lower().replace(" ", "-")
        elif line == ".nf":
            start, body = number, []
        elif line == ".fi" and body is not None:
            yield start, section, "\n".join(body) + "\n"
            body = None
        elif body is not None:
            text = ROFF_FONT.sub("", line).replace("\\-", "-").replace("\\\\", "\\")
            body.append(text)


def kind(text):
    code = "\n".join(l for l in text.split("\n") if not l.lstrip().startswith("#"))
    # A profile starts with one of its own keys (a shell block may hold one).
    if re.match(r"\s*(seed|log|rules)\s*=|\s*@include|\s*\{\s*name\s*=", code):
        return "profile"
    try:
        json.loads(text)
        return "json"
    except ValueError:
        pass
    lines = [l for l in text.split("\n") if l.strip()]
    try:
        for line in lines:
            json.loads(line)
        return "json" if lines else "other"
    except ValueError:
        return "other"


def main():
    outdir, files = sys.argv[1], sys.argv[2:]
    os.makedirs(outdir, exist_ok=True)
    n = 0
    with open(os.path.join(outdir, "index.tsv"), "w") as index:
        for path in files:
            blocks = man_blocks(path) if re.search(r"\.[1-8]$", path) else markdown_blocks(path)
            for line, lang, text in blocks:
                n += 1
                with open(os.path.join(outdir, "%d.txt" % n), "w") as out:
                    out.write(text)
                # A block tagged with a language (sh, python...) is code.
                what = "other" if lang in CODE else kind(text)
                index.write("%d\t%s:%d\t%s\t%s\n" % (n, path, line, lang or "-", what))


if __name__ == "__main__":
    main()
