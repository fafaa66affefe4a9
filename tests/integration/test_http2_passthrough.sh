# HTTP/2 is not faulted: curl speaking HTTP/2 (prior knowledge on plain
# HTTP, ALPN h2 inside TLS) meets an HTTP fault that would answer every
# request, yet gets what it gets without the shim; the connection is
# counted in stats and logged once. Over TLS with a server that offers
# only HTTP/1.1, curl --http2 falls back and is answered as usual.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tls.sh"
. "$(dirname "$0")/lib_http.sh"
need curl

start_http_and_https_servers
# A TLS server that selects h2 (and then does not speak it).
H2_PORT=$(free_port)
bg openssl s_server -accept "$H2_PORT" -cert server.pem -key server.key -alpn h2 -www -quiet >s_server.log 2>&1
wait_port "$H2_PORT"

cat >every.cfg <<'CFG'
log = "events.jsonl";
rules = ( { name = "every"; calls = ["send", "ssl_write"]; fault = "http_response"; status = 503; } );
CFG

# curl's exit status and message, the timings in it left out.
curl_says() {
	echo "$1 $(grep '^curl:' "$2" | sed 's/after [0-9]* m.*//')"
}
compare() { # what statuses curl-args...: curl exits with one of statuses
	local what=$1 statuses=$2 real
	shift 2
	curl -sS --max-time 2 -o /dev/null "$@" 2>real.err
	real=$(curl_says $? real.err)
	assert_match "^($statuses) " "$real" "curl $what without the shim"
	rm -f events.jsonl
	"$CTL" run -p every.cfg --stats -- curl -sS --max-time 2 -o /dev/null "$@" 2>cmd.err
	assert_match "^($statuses) " "$(curl_says $? cmd.err)" "curl $what under the rule, as without the shim ($real)"
	assert_match "rule 'every': 1 HTTP/2 connection let through untouched" "$(cat cmd.err)" "stats after curl $what"
	assert_match '"rule":"every".*"http_version":"2","action":"passed"' "$(cat events.jsonl)" "event log after curl $what"
	assert_eq 1 "$(lines_of events.jsonl)" "events after curl $what"
}
# The HTTP/1.1 server refuses the preface and closes: curl reads the end
# (52) or writes into it (55), by timing, with or without the shim.
compare "with prior knowledge" '52|55' --http2-prior-knowledge "http://127.0.0.1:$PORT/x"
# s_server selects h2 but does not speak it: curl times out waiting.
compare "over TLS with ALPN h2" 28 --http2 --cacert ca.pem "https://localhost:$H2_PORT/x"

# A server that offers only HTTP/1.1: the fault applies.
assert_exit 0 "$CTL" run -p every.cfg -- curl -sS --http2 --cacert ca.pem -o /dev/null \
	-w '%{http_code} %{http_version}' "https://localhost:$TLS_PORT/x"
assert_eq "503 1.1" "$OUT" "curl --http2 against an HTTP/1.1 server"
