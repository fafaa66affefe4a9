# A client's own timeout fires under recv latency as it does against a
# server that really takes 3 s: python3 settimeout(1), urllib with
# timeout=1, asyncio.wait_for(..., 1) and a blocking socket with
# SO_RCVTIMEO = 1 s all give up at about 1 s, not when the data comes.
# With a timeout longer than the delay, the data comes, late.
. "$(dirname "$0")/lib.sh"

start_slow_server 3
SLOW=$SLOW_SERVER_PORT
start_slow_server 0
FAST=$SLOW_SERVER_PORT

cat >latency.cfg <<CFG
rules = ( { name = "slow-recv"; calls = ["recv"]; peer = "127.0.0.1:$FAST";
            fault = "latency"; delay_ms = 3000; } );
CFG

# gave_up OUTPUT WHAT: failed as the timeout says, at about 1 s.
gave_up() {
	assert_match '^err (TimeoutError|BlockingIOError) ' "$1" "$2"
	assert_num "${1##*t=}" '>=' 0.8 "seconds until $2 gave up"
	assert_num "${1##*t=}" '<=' 1.6 "seconds until $2 gave up"
}

for way in settimeout urllib asyncio rcvtimeo; do
	real=$(python3 "$PROGS/timeout_client.py" "$way" "$SLOW" 1)
	gave_up "$real" "$way against a server that waits 3 s"
	assert_exit 0 "$CTL" run -p latency.cfg -- python3 "$PROGS/timeout_client.py" "$way" "$FAST" 1
	gave_up "$OUT" "$way under a 3 s recv latency"
	# The same kind of failure as against the real slow server.
	assert_eq "$(echo "$real" | cut -d' ' -f1-3)" "$(echo "$OUT" | cut -d' ' -f1-3)" "$way: real and injected failures"
done

# A timeout longer than the delay: the answer arrives, 3 s late.
for way in settimeout asyncio; do
	assert_exit 0 "$CTL" run -p latency.cfg -- python3 "$PROGS/timeout_client.py" "$way" "$FAST" 6
	assert_match '^ok n=[1-9]' "$OUT" "$way with a 6 s timeout under a 3 s latency"
	assert_num "${OUT##*t=}" '>=' 2.9 "seconds until $way got its answer"
	assert_num "${OUT##*t=}" '<' 4.5 "seconds until $way got its answer"
done
