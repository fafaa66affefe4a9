# Latency on ssl_handshake: python3's handshake (one blocking
# SSL_do_handshake) takes the delay once; curl's non-blocking SSL_connect
# takes it on each of its calls, and its TLS setup time shows it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tls.sh"
need curl

make_certs
start_tls_server
write_tls_client
cat >slow.cfg <<CFG
log = "events.jsonl";
# No peer: curl gives OpenSSL its own BIO, so its sessions have no socket
# the shim could match (docs/LIMITS.md).
rules = ( { name = "slow-tls"; calls = ["ssl_handshake"]; fault = "latency"; delay_ms = 400; } );
CFG

out=$(python3 tls_client.py "$TLS_PORT")
assert_match '^ok ' "$out" "python3 without the shim"
assert_num "${out#ok }" '<' 0.3 "handshake time without the shim"

new_segment
"$CTL" -s "$SEG" load slow.cfg || fail "cannot load slow.cfg"
out=$(under_segment "$SEG" python3 tls_client.py "$TLS_PORT")
assert_match '^ok ' "$out" "python3 under latency on ssl_handshake"
assert_num "${out#ok }" '>=' 0.4 "python3 handshake time under delay_ms = 400"
assert_num "${out#ok }" '<' 0.75 "python3 handshake time under delay_ms = 400 (delayed once)"
assert_eq 1 "$(stat_of "$SEG" slow-tls injected)" "injections for one python3 handshake"

rm -f events.jsonl
fmt='%{http_code} %{time_connect} %{time_appconnect}'
assert_exit 0 "$CTL" run -p slow.cfg -- curl -sS -o /dev/null -w "$fmt" --cacert ca.pem "https://127.0.0.1:$TLS_PORT/"
read -r code connect appconnect <<<"$OUT"
assert_eq 200 "$code" "curl's status under latency on ssl_handshake"
calls=$(lines_of events.jsonl)
assert_num "$calls" '>=' 1 "events of curl's handshake"
# Each SSL_connect call of curl paid the delay, and only once: libssl's
# own SSL_do_handshake inside it is not a second call.
assert_no_match 'SSL_do_handshake' "$(cat events.jsonl)" "events of curl's handshake"
assert_num "$appconnect - $connect" '>=' "0.4 * $calls" "curl's TLS setup time for $calls delayed calls"
assert_num "$appconnect - $connect" '<' "0.4 * $calls + 0.3" "curl's TLS setup time for $calls delayed calls"
