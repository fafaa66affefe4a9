# TLS latency on a non-blocking session (python3's ssl with a timeout, a
# non-blocking socket underneath): OpenSSL is told to retry
# (SSL_ERROR_WANT_READ/WANT_WRITE) and the socket is reported ready when
# the delay is over, so the program's own timeout fires first when it is
# shorter, exactly as against a TLS server that really answers 2 s late,
# and the answer comes late when it is longer.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tls.sh"

make_certs
# A TLS echo server that answers each message DELAY seconds late.
cat >slow_tls.py <<'PY'
import socket, ssl, sys, threading, time
delay = float(sys.argv[1])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("server.pem", "server.key")
srv = socket.create_server(("127.0.0.1", 0))
print("port", srv.getsockname()[1], flush=True)
def serve(conn):
    try:
        with ctx.wrap_socket(conn, server_side=True) as tls:
            while data := tls.recv(4096):
                time.sleep(delay)
                tls.sendall(data)
    except OSError:
        pass
while True:
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
PY
cat >client.py <<'PY'
import socket, ssl, sys, time
port, timeout = int(sys.argv[1]), float(sys.argv[2])
ctx = ssl.create_default_context(cafile="ca.pem")
start = time.monotonic()
try:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"ping")
            print("ok %s t=%.3f" % (tls.recv(16).decode(), time.monotonic() - start))
except OSError as e:
    print("err %s %s t=%.3f" % (type(e).__name__, e.errno, time.monotonic() - start))
PY
bg python3 -u slow_tls.py 2 >slow.log 2>&1
SLOW=$(port_from_log slow.log "slow TLS server") || exit 1
bg python3 -u slow_tls.py 0 >fast.log 2>&1
FAST=$(port_from_log fast.log "TLS server") || exit 1

rule() { # family
	cat >tls.cfg <<CFG
rules = ( { name = "slow-tls"; calls = ["$1"]; peer = "127.0.0.1:$FAST";
            fault = "latency"; delay_ms = 2000; } );
CFG
}

real=$(python3 client.py "$SLOW" 1)
assert_match '^err TimeoutError None t=' "$real" "python3 TLS client against a server 2 s late"
for family in ssl_read ssl_write ssl_handshake; do
	rule "$family"
	assert_exit 0 "$CTL" run -p tls.cfg -- python3 client.py "$FAST" 1
	assert_match '^err TimeoutError None t=' "$OUT" "python3 TLS client with a 1 s timeout under $family latency"
	assert_num "$(value_of t "$OUT")" '>=' 0.8 "seconds until the timeout fired under $family latency"
	assert_num "$(value_of t "$OUT")" '<=' 1.6 "seconds until the timeout fired under $family latency"
done
for family in ssl_read ssl_write; do
	rule "$family"
	assert_exit 0 "$CTL" run -p tls.cfg -- python3 client.py "$FAST" 5
	assert_match '^ok ping t=' "$OUT" "python3 TLS client with a 5 s timeout under $family latency"
	assert_num "$(value_of t "$OUT")" '>=' 1.9 "seconds until the echo under $family latency"
	assert_num "$(value_of t "$OUT")" '<' 4 "seconds until the echo under $family latency"
done
