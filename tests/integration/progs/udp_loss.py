"""Sends numbered UDP datagrams over loopback to its own receiver and
prints "sent N received K". Sends in small batches and drains the receiver
in between, so that the kernel's socket buffer never loses a datagram and
every loss is the shim's.
Usage: udp_loss.py [COUNT]
"""
import socket
import sys

BATCH = 50


def drain(receiver):
    got = 0
    try:
        while True:
            receiver.recv(64)
            got += 1
    except socket.timeout:
        return got


def main():
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(0.05)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    received = 0
    for start in range(0, total, BATCH):
        for i in range(start, min(start + BATCH, total)):
            sender.sendto(b"%d" % i, receiver.getsockname())
        received += drain(receiver)
    print(f"sent {total} received {received}", flush=True)


if __name__ == "__main__":
    main()
