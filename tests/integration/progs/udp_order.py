"""Sends N numbered datagrams from one UDP socket to another on 127.0.0.1
(sendto, or send on a connected socket with "connected"; with "fork", a
child forked right after the sends exits at once) and reads until 1 s
passes with nothing; prints the numbers in the order they arrived:
"got 0 2 1 3 ...".
Usage: udp_order.py N [connected] [fork]
"""
import os
import socket
import sys

count = int(sys.argv[1])
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind(("127.0.0.1", 0))
rx.settimeout(1)
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
connected = "connected" in sys.argv[2:]
if connected:
    tx.connect(rx.getsockname())
for n in range(count):
    payload = b"%d" % n
    if connected:
        tx.send(payload)
    else:
        tx.sendto(payload, rx.getsockname())
if "fork" in sys.argv[2:] and os.fork() == 0:
    sys.exit(0)  # a normal exit: the shim's exit code runs in the child
got = []
while True:
    try:
        got.append(int(rx.recv(100)))
    except socket.timeout:
        break
print("got", *got)
