# http_response on plain HTTP: curl, python urllib and requests, a
# keep-alive http.client session and an asyncio client get a made-up
# 503 with Retry-After, retry, and their second attempt reaches the real
# server, which sees exactly one request; curl's view is compared with a
# real server that answers 503 once. http_method and http_path select.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_http.sh"
need curl

start_http_test_server real503.log --first-503
real_port=$HTTP_SERVER_PORT
start_http_test_server server.log
PORT=$HTTP_SERVER_PORT
url=http://127.0.0.1:$PORT/api/items

cat >http503.cfg <<'CFG'
log = "events.jsonl";
rules = ( { name = "busy"; calls = ["send", "ssl_write"]; fault = "http_response";
            status = 503; headers = ["Retry-After: 1"]; body = "busy\n"; count = 1; } );
CFG

# curl --retry against a server that really answers 503 once...
assert_exit 0 curl --no-progress-meter --retry 1 -o real.out "http://127.0.0.1:$real_port/api/items"
real_err=$ERR
assert_match 'HTTP error.*Will retry in 1 seconds' "$real_err" "curl against a real 503"
# ...and against the made-up one: the same warning, the same output.
start=$(date +%s.%N)
assert_exit 0 "$CTL" run -p http503.cfg --stats -- curl --no-progress-meter --retry 1 -o curl.out "$url"
took=$(python3 -c "import sys, time; print(time.time() - float(sys.argv[1]))" "$start")
assert_match 'HTTP error.*Will retry in 1 seconds' "$ERR" "curl under http_response"
assert_eq "hello /api/items" "$(cat curl.out)" "curl's output after its retry"
assert_num "$took" '>=' 0.9 "curl waited Retry-After before its retry (s)"
assert_eq 1 "$(requests_in server.log)" "requests the server saw: $(cat server.log)"
assert_match 'busy +yes +2 +1' "$ERR" "stats: matched 2, injected 1"
event=$(cat events.jsonl)
assert_match '"fault":"http_response","method":"GET","path":"/api/items","status":503' "$event" "event log"

# The made-up response itself, as curl prints it.
assert_exit 0 "$CTL" run -p http503.cfg -- curl -sS -i "$url"
assert_match $'^HTTP/1.1 503 Service Unavailable\r' "$OUT" "status line"
assert_contains $'Retry-After: 1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nbusy' "$OUT" "headers and body"
assert_eq 1 "$(requests_in server.log)" "requests after the shown 503"

# python urllib, retrying after Retry-After.
assert_exit 0 "$CTL" run -p http503.cfg -- python3 "$PROGS/http_client.py" urllib "$url"
assert_eq $'503 1 busy -\n200 - hello /api/items -' "$OUT" "urllib's responses"
assert_eq 2 "$(requests_in server.log)" "requests after urllib"

# requests with urllib3's Retry (when installed).
"$CTL" run -p http503.cfg -- python3 "$PROGS/http_client.py" requests "$url" >req.out 2>req.err
rc=$?
if [[ $rc != 77 ]]; then
	assert_eq 0 "$rc" "requests: $(cat req.err)"
	assert_eq $'retried 503\n200 - hello /api/items -' "$(cat req.out)" "requests' retry"
	assert_eq 3 "$(requests_in server.log)" "requests after requests"
	sent=3
else
	sent=2
fi

# asyncio (non-blocking sockets, epoll): the 503 arrives through readiness.
assert_exit 0 "$CTL" run -p http503.cfg -- python3 "$PROGS/http_client.py" asyncio "$url"
assert_match '^503 1 busy [0-9]+$' "$OUT" "asyncio's response"
assert_eq "$sent" "$(requests_in server.log)" "the 503 to asyncio reached nobody"

# keep_alive: the 503 then the real answer on the same connection.
cat >keepalive.cfg <<'CFG'
rules = ( { name = "busy"; calls = ["send"]; fault = "http_response"; status = 503;
            headers = ["Retry-After: 1"]; body = "busy\n"; count = 1; keep_alive = true; } );
CFG
assert_exit 0 "$CTL" run -p keepalive.cfg -- python3 "$PROGS/http_client.py" keepalive \
	"http://127.0.0.1:$PORT" --path /a --path /b
assert_made_up_then_served /b "keep_alive"
assert_eq "REQ GET /b $CLIENT_PORT" "$(tail -n 1 server.log)" "the server saw only /b, on that connection"
# An asyncio client on a kept-alive connection reads it through readiness too.
assert_exit 0 "$CTL" run -p keepalive.cfg -- python3 "$PROGS/http_client.py" asyncio "$url"
assert_match '^503 1 busy [0-9]+$' "$OUT" "asyncio's response, kept alive"
sent=$((sent + 1))
assert_eq "$sent" "$(requests_in server.log)" "requests after the kept-alive ones"

# Requests written a few bytes at a time: the request line is recognised
# across sends, the answered request's body is taken in, and the next
# request on the connection, unselected, reaches the server whole.
cat >pieces.cfg <<'CFG'
rules = ( { name = "busy"; calls = ["send"]; fault = "http_response"; status = 503;
            http_path = "/first"; headers = ["Retry-After: 1"]; body = "busy\n"; keep_alive = true; } );
CFG
assert_exit 0 "$CTL" run -p pieces.cfg -- python3 "$PROGS/http_client.py" pieces \
	"http://127.0.0.1:$PORT" --path /first --path /second
assert_made_up_then_served /second "requests sent 3 bytes at a time"
assert_eq "REQ POST /second $CLIENT_PORT|BODY hello" "$(tail -n 2 server.log | tr '\n' '|' | sed 's/|$//')" \
	"the server got the second request whole, and not the first"
sent=$((sent + 1))

# http_path (prefix, glob) and http_method select; others reach the server.
select_rule() { # keys
	cat >select.cfg <<CFG
rules = ( { name = "sel"; calls = ["send"]; fault = "http_response"; status = 503; $1 } );
CFG
}
code_of() { # profile curl-args...
	local cfg=$1
	shift
	"$CTL" run -p "$cfg" -- curl -s -o /dev/null -w '%{http_code}' "$@"
}
base=http://127.0.0.1:$PORT
select_rule 'http_path = "/api";'
assert_eq 503 "$(code_of select.cfg "$base/api/v1/x")" "prefix /api takes /api/v1/x"
assert_eq 200 "$(code_of select.cfg "$base/health")" "prefix /api leaves /health"
select_rule 'http_path = "/api/*/x";'
assert_eq 503 "$(code_of select.cfg "$base/api/v1/x")" "glob /api/*/x takes /api/v1/x"
assert_eq 200 "$(code_of select.cfg "$base/api/v1/y")" "glob /api/*/x leaves /api/v1/y"
select_rule 'http_method = "POST"; http_path = "/api/v[0-9]/*";'
assert_eq 503 "$(code_of select.cfg -d x=1 "$base/api/v2/items")" "POST /api/v2/items"
assert_eq 200 "$(code_of select.cfg "$base/api/v2/items")" "GET passes"
assert_eq 200 "$(code_of select.cfg -d x=1 "$base/api/vx/items")" "POST /api/vx/items passes"
grep -q '^REQ GET /health ' server.log || fail "/health did not reach the server: $(cat server.log)"
assert_eq "$((sent + 4))" "$(requests_in server.log)" "only the unselected requests reached the server"
# A HEAD request gets the headers, no body.
select_rule 'http_method = "HEAD"; body = "never sent";'
assert_exit 0 "$CTL" run -p select.cfg -- curl -sS -I "$base/x"
assert_contains $'Content-Length: 10\r' "$OUT" "HEAD's length"

# node (libuv, epoll): a fetch-style client that retries a 503. Not under
# a sanitizer build: `run` cannot put its runtime before the shim in node.
if command -v node >/dev/null && [[ -z ${CS_SANITIZER:-} ]]; then
	cat >client.js <<'JS'
const http = require("http");
const get = (url) => new Promise((ok, ko) => http.get(url, (r) => {
	let body = ""; r.on("data", (d) => body += d); r.on("end", () => ok([r.statusCode, r.headers["retry-after"], body.trim()]));
}).on("error", ko));
(async () => {
	for (let i = 0; i < 3; i++) {
		const [status, retry, body] = await get(process.argv[2]);
		console.log(status, retry || "-", body);
		if (status !== 503) break;
		await new Promise((r) => setTimeout(r, 1000 * Number(retry)));
	}
})();
JS
	before=$(requests_in server.log)
	assert_exit 0 "$CTL" run -p http503.cfg -- node client.js "$url"
	assert_eq $'503 1 busy\n200 - hello /api/items' "$OUT" "node's responses"
	assert_eq "$((before + 1))" "$(requests_in server.log)" "node's retry reached the server, its first request not"
fi

# Another protocol on a watched connection: a first write that could begin
# a request line ("GET") is held back, and goes out before the write that
# shows it is not one; the peer gets every byte, in order.
start_echo_server
cat >notes.py <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET")
time.sleep(0.1)
s.sendall(b"X\r\n")
got = b""
while len(got) < 6:
    got += s.recv(100)
print(got)
PY
assert_exit 0 "$CTL" run -p http503.cfg -- python3 notes.py "$ECHO_PORT"
assert_eq "b'GETX\\r\\n'" "$OUT" "bytes echoed through a watched connection that is not HTTP"
