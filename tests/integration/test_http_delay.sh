# http_delay: the response to a matching request reaches the program
# delay_ms late (curl's time to first byte, over HTTP and HTTPS, and a
# blocking python urllib), as from a server that really takes that long;
# a request on another path is not delayed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tls.sh"
. "$(dirname "$0")/lib_http.sh"
need curl

start_http_and_https_servers
start_slow_server 1

cat >delay.cfg <<'CFG'
log = "events.jsonl";
rules = ( { name = "slow-api"; calls = ["send", "ssl_write"]; fault = "http_delay";
            delay_ms = 1000; http_path = "/api"; } );
CFG
ttfb() { # curl-args...
	"$CTL" run -p delay.cfg -- curl -sS -o /dev/null -w '%{time_starttransfer}' "$@" ||
		fail "curl $* failed"
}

# Against a server that really answers a second late...
real=$(curl -sS -o /dev/null -w '%{time_starttransfer}' "http://127.0.0.1:$SLOW_SERVER_PORT/")
assert_num "$real" '>=' 0.9 "time to first byte from a server 1 s late"
# ...and under the fault: as late, on a wide band for a loaded machine.
late=$(ttfb "http://127.0.0.1:$PORT/api/items")
assert_num "$late" '>=' 0.9 "time to first byte of /api/items under http_delay"
assert_num "$late" '<' 4 "time to first byte of /api/items under http_delay"
quick=$(ttfb "http://127.0.0.1:$PORT/health")
assert_num "$quick" '<' 0.7 "time to first byte of /health, which the rule leaves"
late=$(ttfb --cacert ca.pem "https://localhost:$TLS_PORT/api/items")
assert_num "$late" '>=' 0.9 "time to first byte over HTTPS under http_delay"
quick=$(ttfb --cacert ca.pem "https://localhost:$TLS_PORT/health")
assert_num "$quick" '<' 0.7 "time to first byte over HTTPS of /health"
assert_eq 2 "$(grep -c '^REQ GET /api/items' server.log tls.log | awk -F: '{s += $2} END {print s}')" \
	"the delayed requests reached the servers"

# A blocking client waits in its receive.
start=$(date +%s.%N)
assert_exit 0 "$CTL" run -p delay.cfg -- python3 "$PROGS/http_client.py" urllib "http://127.0.0.1:$PORT/api/x"
took=$(python3 -c "import sys, time; print(time.time() - float(sys.argv[1]))" "$start")
assert_eq "200 - hello /api/x -" "$OUT" "urllib's response"
assert_num "$took" '>=' 0.9 "urllib under http_delay (s)"
assert_match '"fault":"http_delay","method":"GET","path":"/api/x","delay_ms":1000' \
	"$(tail -n 1 events.jsonl)" "event log"
