# Start-up and shut-down: intercepted calls from another library's
# constructor (before the shim's) and destructor (after the shim's); a
# program that dlopens libssl (RTLD_LOCAL) after start and does TLS; and
# errno after one call of every intercepted function, with a segment whose
# rules match nothing, compared with the same program without the shim.
. "$(dirname "$0")/../integration/lib.sh"

BIN=$CS_BUILD/reliability
cat >skew.cfg <<'CFG'
rules = ( { name = "skew"; calls = ["clock"]; fault = "clock_skew"; offset_s = 86400; },
          { name = "cut";  calls = ["send", "recv"]; fault = "slice"; max_bytes = 1; } );
CFG

# --- constructors and destructors of other libraries ------------------------
assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=skew.cfg "$BIN/ctor"
echo "$ERR"
assert_match 'ctor-lib: constructor ok skew=0' "$ERR" "constructor before the shim's: passes through"
assert_match 'ctor-prog: main skew=86400' "$ERR" "main: the rule applies"
assert_match 'ctor-lib: destructor ok skew=86400' "$ERR" "destructor after the shim's: still works"
assert_no_match 'chaos-shim:' "$ERR" "no complaint from the shim"

# --- libssl opened with dlopen after start ------------------------------------
need openssl
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout key.pem -out cert.pem -days 2 -subj /CN=localhost >/dev/null 2>&1 ||
	fail "cannot make a certificate"
cat >tls_server.py <<'PY'
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("cert.pem", "key.pem")
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen()
print("port", srv.getsockname()[1], flush=True)
while True:
    conn, _ = srv.accept()
    with ctx.wrap_socket(conn, server_side=True) as tls:
        data, records = b"", 0
        while not data.endswith(b"\n"):
            chunk = tls.recv(4096)
            if not chunk:
                break
            data += chunk
            records += 1
        print("records", records, flush=True)
        tls.sendall(data)
PY
bg python3 -u tls_server.py >tls.log 2>&1
wait_line tls.log 0 '^port ' 10
port=$(sed -n 's/^port //p' tls.log)
cat >tls.cfg <<'CFG'
log = "tls-events.jsonl";
rules = ( { name = "tls-cut"; calls = ["ssl_write"]; fault = "slice"; max_bytes = 4; },
          { name = "nomatch"; calls = ["ssl_read", "ssl_handshake"]; peer = "203.0.113.9:1"; fault = "reset"; } );
CFG
assert_exit 0 "$BIN/tls_dlopen" "$BIN/libtlsuse.so" "$port"
plain=$OUT
assert_eq 1 "$(grep -c '^records 1$' tls.log)" "records of a write without the shim"
mark=$(lines_of tls.log)
assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=tls.cfg "$BIN/tls_dlopen" "$BIN/libtlsuse.so" "$port"
assert_eq "$plain" "$OUT" "errno after TLS calls, without and with the shim"
wait_line tls.log "$mark" '^records ([2-9]|[0-9][0-9]+)$' 5
assert_match '"rule":"tls-cut","call":"SSL_write"' "$(cat tls-events.jsonl)" "event of the dlopened SSL_write"

# --- errno: every family, successes and failures -------------------------------
cat >nomatch.cfg <<'CFG'
rules = (
  { name = "net";  calls = ["connect", "accept", "send", "recv"]; peer = "203.0.113.7:9"; fault = "reset"; },
  { name = "tls";  calls = ["ssl_read", "ssl_write", "ssl_handshake"]; peer = "203.0.113.7:9"; fault = "reset"; },
  { name = "dns";  calls = ["dns"]; host = "nomatch.invalid"; fault = "error"; errno = "EAI_AGAIN"; },
  { name = "skew"; calls = ["clock"]; fault = "clock_skew"; offset_s = 5; scope = "tls"; }
);
CFG
new_segment
"$CTL" -s "$SEG" load nomatch.cfg >/dev/null || fail "load failed"
assert_exit 0 "$BIN/errnos"
plain=$OUT
assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" "$BIN/errnos"
assert_eq "$plain" "$OUT" "errno after every intercepted call, without and with the shim"
assert_no_match 'ok +errno=[^s]' "$OUT" "successful calls that changed errno"
