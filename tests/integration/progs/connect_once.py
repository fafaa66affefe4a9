"""Connects once to 127.0.0.1:PORT and closes; prints "ok", or "refused"
when the connection is refused. For tests that count which connects a
rule refused.

Usage: connect_once.py PORT
"""
import socket
import sys

try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5).close()
    print("ok")
except ConnectionRefusedError:
    print("refused")
