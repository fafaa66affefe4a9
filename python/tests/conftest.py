"""Servers for the chaos_shim tests: real programs started under the shim
(after the `chaos` fixture, so they attach to the test's segment), and
in-process servers that really misbehave, to compare with."""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest

pytest_plugins = ["pytester"]

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, limit=10.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {limit} s")


def start(argv, port, **kwargs):
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=HERE, **kwargs)
    try:
        wait_port(port, proc)
    except Exception:
        proc.kill()
        raise
    return proc


@pytest.fixture
def http_server(chaos):
    """python3 -m http.server under the shim: yields its base URL."""
    port = free_port()
    proc = start([sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
                  str(port)], port)
    yield f"http://127.0.0.1:{port}/", port
    proc.kill()
    proc.wait()


class MisbehavingServer:
    """A TCP server in a thread that reads a request, then resets the
    connection (SO_LINGER 0) or answers late: the real condition that a
    rule imitates."""

    def __init__(self, behaviour, delay=0.0):
        self.behaviour, self.delay = behaviour, delay
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                if self.behaviour == "reset":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    struct.pack("ii", 1, 0))
                else:
                    time.sleep(self.delay)
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")

    def close(self):
        self.sock.close()


@pytest.fixture
def misbehaving():
    servers = []

    def make(behaviour, delay=0.0):
        servers.append(MisbehavingServer(behaviour, delay))
        return servers[-1]
    yield make
    for server in servers:
        server.close()
