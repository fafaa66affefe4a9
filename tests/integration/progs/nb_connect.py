"""What the non-blocking test clients share: the PORT and --fd arguments,
and a non-blocking connection to 127.0.0.1:PORT, moved to fd N first when
--fd N is given (to put it past the shim's static table)."""
import os
import socket


def add_arguments(parser):
    parser.add_argument("port", type=int)
    parser.add_argument("--fd", type=int, help="move the socket to this fd")


def connect(args):
    sock = socket.create_connection(("127.0.0.1", args.port))
    if args.fd:
        os.dup2(sock.fileno(), args.fd)
        sock.close()
        sock = socket.socket(fileno=args.fd)
    sock.setblocking(False)
    return sock
