# HTTP/2 is not faulted: curl speaking HTTP/2 (prior knowledge on plain
# HTTP, ALPN h2 inside TLS) meets an HTTP fault that would answer every
# request, yet gets what it gets without the shim; the connection is
# counted in stats and logged once. Over TLS with a server that offers
# only HTTP/1.1, curl --http2 falls back and is answered as usual.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tls.sh"
need curl

make_certs
bg python3 -u "$PROGS/http_server.py" >server.log 2>&1
PORT=$(port_from_log server.log "HTTP server") || exit 1
bg python3 -u "$PROGS/http_server.py" --tls server.pem server.key >tls.log 2>&1
TLS_PORT=$(port_from_log tls.log "HTTPS server") || exit 1
# A TLS server that selects h2 (and then does not speak it).
H2_PORT=$(free_port)
bg openssl s_server -accept "$H2_PORT" -cert server.pem -key server.key -alpn h2 -www -quiet >s_server.log 2>&1
wait_port "$H2_PORT"

cat >every.cfg <<'CFG'
log = "events.jsonl";
rules = ( { name = "every"; calls = ["send", "ssl_write"]; fault = "http_response"; status = 503; } );
CFG

compare() { # what curl-args...
	local what=$1 real
	shift
	curl -sS --max-time 2 -o /dev/null -w '%{http_code}' "$@" >real.out 2>real.err
	real="$? $(cat real.out) $(sed 's/after [0-9]* m/after N m/' real.err)"
	rm -f events.jsonl
	assert_exit "${real%% *}" "$CTL" run -p every.cfg --stats -- curl -sS --max-time 2 -o /dev/null -w '%{http_code}' "$@"
	assert_eq "$real" "${real%% *} $OUT $(grep '^curl:' cmd.err | sed 's/after [0-9]* m/after N m/')" "curl $what, with and without the shim"
	assert_match "rule 'every': 1 HTTP/2 connection let through untouched" "$ERR" "stats after curl $what"
	assert_match '"rule":"every".*"http_version":"2","action":"passed"' "$(cat events.jsonl)" "event log after curl $what"
	assert_eq 1 "$(lines_of events.jsonl)" "events after curl $what"
}
compare "with prior knowledge" --http2-prior-knowledge "http://127.0.0.1:$PORT/x"
compare "over TLS with ALPN h2" --http2 --cacert ca.pem "https://localhost:$H2_PORT/x"

# A server that offers only HTTP/1.1: the fault applies.
assert_exit 0 "$CTL" run -p every.cfg -- curl -sS --http2 --cacert ca.pem -o /dev/null \
	-w '%{http_code} %{http_version}' "https://localhost:$TLS_PORT/x"
assert_eq "503 1.1" "$OUT" "curl --http2 against an HTTP/1.1 server"
