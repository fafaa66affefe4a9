# Helpers shared by the TLS, clock, DNS and bandwidth tests: a throwaway CA
# and server certificate, an `openssl s_server`, a python3 TLS server that
# says how each connection ended, and a python3 TLS client. Sourced after
# lib.sh.

need openssl

# Writes ca.pem, and server.pem / server.key: a certificate for localhost
# and 127.0.0.1, signed by that CA, valid for 30 days from now.
make_certs() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=chaos-shim-test-ca \
		-keyout ca.key -out ca.pem >certs.log 2>&1 &&
		openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
			-keyout server.key -out server.csr >>certs.log 2>&1 &&
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >server.ext &&
		openssl x509 -req -days 30 -in server.csr -CA ca.pem -CAkey ca.key \
			-CAcreateserial -extfile server.ext -out server.pem >>certs.log 2>&1 ||
		fail "cannot make test certificates: $(cat certs.log)"
}

# Starts `openssl s_server -www` with the test certificate on a free port:
# sets TLS_PORT. Extra arguments go before openssl (e.g. env LD_PRELOAD=...).
start_tls_server() {
	TLS_PORT=$(free_port)
	bg "$@" openssl s_server -accept "$TLS_PORT" -cert server.pem -key server.key \
		-www -quiet >s_server.log 2>&1
	wait_port "$TLS_PORT"
}

# Starts a python3 TLS echo server that logs one line per connection, how
# the client went away: "fin" (closed), "rst" (reset: python3 reports
# both as an EOF, the kernel's TCP state tells them apart) or "handshake
# <exception>": sets PYTLS_PORT; the log is pytls.log.
start_pytls_server() {
	cat >pytls_server.py <<'PY'
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("server.pem", "server.key")
srv = socket.create_server(("127.0.0.1", 0))
print("port", srv.getsockname()[1], flush=True)
while True:
    conn, _ = srv.accept()
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except OSError as e:
        print("handshake", type(e).__name__, flush=True)
        conn.close()
        continue
    try:
        while data := tls.recv(4096):
            tls.sendall(data)
    except OSError:
        pass
    # TCP_CLOSE after an RST, TCP_CLOSE_WAIT after the client's FIN.
    state = tls.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
    print({7: "rst", 8: "fin"}.get(state, "state %d" % state), flush=True)
    tls.close()
PY
	bg python3 -u pytls_server.py >pytls.log 2>&1
	PYTLS_PORT=$(port_from_log pytls.log "python3 TLS server") || exit 1
}

# tls_client.py PORT [HOST]: handshakes with HOST (default 127.0.0.1) on
# PORT trusting ca.pem, sends one line and reads the answer. Prints
# "ok <seconds the handshake took>" or "err <exception> <errno> <message>".
write_tls_client() {
	cat >tls_client.py <<'PY'
import socket, ssl, sys, time
port, host = int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
ctx = ssl.create_default_context(cafile="ca.pem")
try:
    raw = socket.create_connection((host, port))
    started = time.monotonic()
    tls = ctx.wrap_socket(raw, server_hostname=host, suppress_ragged_eofs=False)
    took = time.monotonic() - started
    tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
    if not tls.recv(4096):
        raise ConnectionError("no answer")
    # Leave without unread data, which would make the kernel send an RST.
    tls.shutdown(socket.SHUT_WR)
    try:
        while tls.recv(4096):
            pass
    except ssl.SSLEOFError:
        pass
    print("ok %.3f" % took)
except OSError as e:
    print("err", type(e).__name__, e.errno, str(e).replace("\n", " "))
PY
}
