"""Sends 5 datagrams of 64 bytes from one UDP socket to another on
127.0.0.1 and reads until 1 s passes with nothing; prints how many arrived
and, for each, how many bits differ from the one sent with its number:
"got N flips A B C ..." (a datagram that matches none is "?").
Usage: udp_damage.py
"""
import socket

rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind(("127.0.0.1", 0))
rx.settimeout(1)
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent = [bytes([n]) * 64 for n in range(5)]
for payload in sent:
    tx.sendto(payload, rx.getsockname())
flips = []
while True:
    try:
        got = rx.recv(100)
    except socket.timeout:
        break
    # The first byte's majority names the datagram, whatever the damage.
    n = max(range(5), key=lambda k: got.count(bytes([k])))
    flips.append(sum(bin(a ^ b).count("1") for a, b in zip(got, sent[n]))
                 if len(got) == 64 else "?")
print("got", len(flips), "flips", *flips)
