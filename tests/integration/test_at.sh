# `at` injects at exactly the listed match numbers, counted across every
# process on the segment: curl in a shell loop (one process per request)
# and python making several connections in one process. A refused connect
# looks to curl as a real closed port does.
. "$(dirname "$0")/lib.sh"
need curl

start_http_server
real_refused=$(curl_refused_status)

cat >at.cfg <<CFG
rules = ( { name = "third-and-fifth"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT";
            at = [5, 3]; fault = "reset"; } );
CFG
new_segment
"$CTL" run -p at.cfg -s "$SEG" -- sh -c '
	for i in 1 2 3 4 5 6 7; do
		curl -s -o /dev/null "http://127.0.0.1:$1/"
		printf "%s " $?
	done' sh "$HTTP_PORT" >curl.out 2>run.err
assert_eq "0 0 $real_refused 0 $real_refused 0 0 " "$(cat curl.out)" \
	"curl exits, one process per request (real refused connect: $real_refused)"

# The same numbers in one python process, then a second process that
# carries on counting where the first stopped.
new_segment
"$CTL" -s "$SEG" load at.cfg || fail "load failed"
client() { under_segment "$SEG" python3 - "$HTTP_PORT" <<'PY'
import socket, sys
out = []
for i in range(4):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5).close()
        out.append("ok")
    except ConnectionRefusedError:
        out.append("refused")
print(" ".join(out))
PY
}
assert_eq "ok ok refused ok" "$(client)" "first python process (matches 1-4)"
assert_eq "refused ok ok ok" "$(client)" "second python process (matches 5-8)"
assert_eq 8 "$(stat_of "$SEG" third-and-fifth matched)" "matches over both processes"
assert_eq 2 "$(stat_of "$SEG" third-and-fifth injected)" "injections over both processes"

# set changes the numbers live; status shows them as set takes them.
assert_exit 0 "$CTL" -s "$SEG" set third-and-fifth at=9,10
assert_exit 0 "$CTL" -s "$SEG" status
assert_match 'at=9,10' "$OUT" "status after set"
assert_eq "refused refused ok ok" "$(client)" "third python process (matches 9-12)"
