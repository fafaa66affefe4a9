# curl (OpenSSL linked in) against openssl s_server: a reset on SSL_read
# makes curl report "Connection reset by peer" and exit 56, on SSL_write
# exit 55, on the handshake exit 35; one SSL_connect meets the rule once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tls.sh"
need curl

make_certs
start_tls_server
url=https://localhost:$TLS_PORT/

assert_exit 0 curl -sS -o /dev/null --cacert ca.pem "$url"

reset_on() { # family
	cat >reset.cfg <<CFG
log = "events.jsonl";
rules = ( { name = "tls-reset"; calls = ["$1"]; fault = "reset"; } );
CFG
}

reset_on ssl_read
assert_exit 56 "$CTL" run -p reset.cfg -- curl -sS -o /dev/null --cacert ca.pem "$url"
assert_match 'SSL_read: Connection reset by peer' "$ERR" "curl's message under reset on ssl_read"

reset_on ssl_write
assert_exit 55 "$CTL" run -p reset.cfg -- curl -sS -o /dev/null --cacert ca.pem "$url"
assert_match 'SSL_write: Connection reset by peer' "$ERR" "curl's message under reset on ssl_write"

rm -f events.jsonl
reset_on ssl_handshake
assert_exit 35 "$CTL" run -p reset.cfg -- curl -sS -o /dev/null --cacert ca.pem "$url"
assert_match 'SSL_connect: Connection reset by peer' "$ERR" "curl's message under reset on ssl_handshake"
# libssl's SSL_connect calls SSL_do_handshake: still one injection.
assert_eq 1 "$(lines_of events.jsonl)" "events for one failed SSL_connect: $(cat events.jsonl)"

# The server survived all that and still serves.
assert_exit 0 curl -sS -o /dev/null --cacert ca.pem "$url"
