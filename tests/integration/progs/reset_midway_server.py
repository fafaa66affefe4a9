"""An HTTP server on 127.0.0.1 that really resets every connection in the
middle of its response: headers promising 200000 bytes, 1000 of them, then
an RST (SO_LINGER {1, 0} and close). The real condition that a `reset` on
a client's receives stands for. Prints "port N" first."""
import socket
import struct

server = socket.create_server(("127.0.0.1", 0))
print(f"port {server.getsockname()[1]}", flush=True)
while True:
    conn, _ = server.accept()
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n" + b"x" * 1000)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
