# http_response inside TLS, with no certificate of the shim's: curl over
# HTTPS (its own BIO, non-blocking) and python urllib (blocking ssl) get a
# made-up 503 with Retry-After, retry, and the second attempt reaches the
# real HTTPS server, which sees exactly one request; a keep-alive
# http.client session gets the 503 then the real 200 on one connection.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tls.sh"
. "$(dirname "$0")/lib_http.sh"
need curl

make_certs
start_http_test_server server.log --tls server.pem server.key
PORT=$HTTP_SERVER_PORT
url=https://localhost:$PORT/api/items

cat >http503.cfg <<'CFG'
log = "events.jsonl";
rules = ( { name = "busy"; calls = ["send", "ssl_write"]; fault = "http_response";
            status = 503; headers = ["Retry-After: 1"]; body = "busy\n"; count = 1; } );
CFG

assert_exit 0 "$CTL" run -p http503.cfg --stats -- \
	curl --no-progress-meter --retry 1 --cacert ca.pem -o curl.out "$url"
assert_match 'HTTP error.*Will retry in 1 seconds' "$ERR" "curl over HTTPS under http_response"
assert_eq "hello /api/items" "$(cat curl.out)" "curl's output after its retry"
assert_eq 1 "$(requests_in server.log)" "requests the server saw: $(cat server.log)"
assert_match 'busy +yes +2 +1' "$ERR" "stats: matched 2, injected 1"
assert_match '"call":"SSL_write".*"method":"GET","path":"/api/items","status":503' \
	"$(cat events.jsonl)" "event log"

# The response as curl shows it, then the end of the connection.
assert_exit 0 "$CTL" run -p http503.cfg -- curl -sS -i --cacert ca.pem "$url"
assert_match $'^HTTP/1.1 503 Service Unavailable\r' "$OUT" "status line over HTTPS"
assert_contains $'\r\n\r\nbusy' "$OUT" "body over HTTPS"
assert_eq 1 "$(requests_in server.log)" "requests after the shown 503"

assert_exit 0 "$CTL" run -p http503.cfg -- python3 "$PROGS/http_client.py" urllib "$url" --cafile ca.pem
assert_eq $'503 1 busy -\n200 - hello /api/items -' "$OUT" "urllib's responses over HTTPS"
assert_eq 2 "$(requests_in server.log)" "requests after urllib"

cat >keepalive.cfg <<'CFG'
rules = ( { name = "busy"; calls = ["ssl_write"]; fault = "http_response"; status = 503;
            headers = ["Retry-After: 1"]; body = "busy\n"; count = 1; keep_alive = true; } );
CFG
assert_exit 0 "$CTL" run -p keepalive.cfg -- python3 "$PROGS/http_client.py" keepalive \
	"https://localhost:$PORT" --cafile ca.pem --path /a --path /b
assert_made_up_then_served /b "keep_alive in TLS"
assert_eq "REQ GET /b $CLIENT_PORT" "$(tail -n 1 server.log)" "the server saw only /b, on that connection"
assert_eq 3 "$(requests_in server.log)" "requests after the kept-alive session"

# curl keeps a connection alive across URLs: the second gets the real one.
assert_exit 0 "$CTL" run -p keepalive.cfg -- curl -sS --cacert ca.pem \
	-w ' %{http_code} %{num_connects}\n' "https://localhost:$PORT/a" "https://localhost:$PORT/b"
assert_eq $'busy\n 503 1\nhello /b\n 200 0' "$OUT" "curl: 503, then 200 on the same connection"
assert_eq 4 "$(requests_in server.log)" "requests after curl's kept-alive connection"

# The shipped profile http-503 does the same to curl over HTTPS.
assert_exit 0 "$CTL" run -p http-503 -- \
	curl --no-progress-meter --retry 1 --cacert ca.pem -o profile.out "$url"
assert_match 'HTTP error.*Will retry in 1 seconds' "$ERR" "curl under the http-503 profile"
assert_eq "hello /api/items" "$(cat profile.out)" "curl's output under the http-503 profile"
assert_eq 5 "$(requests_in server.log)" "requests after the http-503 profile"
