# curl against python3 -m http.server: latency on connect shows in curl's
# time_connect, and reset on connect is "connection refused" (exit 7).
. "$(dirname "$0")/lib.sh"
need curl

start_http_server
url=http://127.0.0.1:$HTTP_PORT/index.html
fmt='%{http_code} %{time_connect}'

assert_exit 0 curl -sS -o /dev/null -w "$fmt" "$url"
assert_match '^200 ' "$OUT" "curl without the shim"
assert_num "${OUT#* }" '<' 0.3 "time_connect without the shim"

cat >slow.cfg <<CFG
rules = ( { name = "slow-connect"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT";
            fault = "latency"; delay_ms = 300; } );
CFG
assert_exit 0 "$CTL" run -p slow.cfg -- curl -sS -o /dev/null -w "$fmt" "$url"
assert_match '^200 ' "$OUT" "curl under latency on connect"
assert_num "${OUT#* }" '>=' 0.3 "time_connect under delay_ms = 300"

cat >refuse.cfg <<CFG
rules = ( { name = "refuse"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT";
            fault = "reset"; } );
CFG
assert_exit 7 "$CTL" run -p refuse.cfg -- curl -sS -o /dev/null "$url"
assert_match '(Failed to connect|Connection refused|Couldn.t connect)' "$ERR" "curl's message under reset on connect"
