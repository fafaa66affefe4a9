"""Reuses one fd number for a file, then for connections that a rule does
and does not target, and flips the rule while they are open: what the
shim's per-fd quiet lane must get right. Prints one line per step:
"<step> ok" or "<step> EXCEPTION".
Usage: quiet_fd.py CTL SEGMENT RULE TARGET_PORT OTHER_PORT
"""
import socket
import subprocess
import sys

ctl, segment, rule, target, other = sys.argv[1:4] + [int(p) for p in sys.argv[4:6]]


def echo(step, sock):
    try:
        sock.sendall(b"ping")
        sock.settimeout(5)
        got = sock.recv(4)
        print(f"{step} {'ok' if got == b'ping' else repr(got)}", flush=True)
    except OSError as exc:
        print(f"{step} {type(exc).__name__}", flush=True)


def ctl_run(*args):
    subprocess.run([ctl, "-s", segment, *args], check=True)


with open(__file__, "rb") as f:  # a file's reads and writes are quiet
    f.read()
    number = f.fileno()
a = socket.create_connection(("127.0.0.1", target))
print(f"same-number {a.fileno() == number}", flush=True)
echo("disabled-target", a)
b = socket.create_connection(("127.0.0.1", other))
echo("disabled-other", b)
ctl_run("enable", rule)
echo("enabled-other", b)
echo("enabled-target", a)
