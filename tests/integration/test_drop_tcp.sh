# drop on TCP with hang_ms = 500: connect hangs then fails as a timeout
# would (TimeoutError, ETIMEDOUT); a dropped recv does the same, and sends
# vanish while reporting success.
. "$(dirname "$0")/lib.sh"

start_echo_server
drop() { # calls
	cat >drop.cfg <<CFG
rules = ( { name = "blackhole"; calls = [$1]; peer = "127.0.0.1:$ECHO_PORT";
            fault = "drop"; hang_ms = 500; } );
CFG
}

# hung OUTPUT WHAT: the attempt timed out after 0.5 s or a bit more.
hung() {
	assert_match '^err TimeoutError 110 t=' "$1" "$2"
	assert_num "${1##*t=}" '>=' 0.5 "seconds hung: $2"
	assert_num "${1##*t=}" '<' 5 "seconds hung: $2"
}

drop '"connect"'
assert_exit 0 "$CTL" run -p drop.cfg -- python3 "$PROGS/tcp_client.py" "$ECHO_PORT"
hung "$OUT" "python3 connect under drop"

drop '"recv"'
assert_exit 0 "$CTL" run -p drop.cfg -- python3 "$PROGS/tcp_client.py" "$ECHO_PORT"
hung "$OUT" "python3 recv under drop"

# The send "succeeds" but nothing reaches the server, so the echo never
# comes back: the client's own 1 s timeout fires.
drop '"send"'
assert_exit 0 "$CTL" run -p drop.cfg -- python3 "$PROGS/tcp_client.py" "$ECHO_PORT" --timeout 1
assert_match '^err TimeoutError None t=1\.' "$OUT" "python3 waiting for the echo of a dropped send"
