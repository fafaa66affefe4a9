# Every readiness call keeps held-back data back and wakes when it is due:
# poll, ppoll, select, pselect, epoll_wait, epoll_pwait and epoll_pwait2,
# each in a C client on a non-blocking socket under a 300 ms recv latency,
# get the answer at about 300 ms (at once without the shim), and with a
# 100 ms timeout of their own they time out at 100 ms, as they would
# against a server that answers 300 ms late.
. "$(dirname "$0")/lib.sh"
need cc

cc -O2 -Wall -o wait_client "$PROGS/wait_client.c" || fail "cannot build wait_client.c"
start_slow_server 0
FAST=$SLOW_SERVER_PORT
start_slow_server 0.3
SLOW=$SLOW_SERVER_PORT
cat >latency.cfg <<CFG
rules = ( { name = "slow-recv"; calls = ["recv"]; peer = "127.0.0.1:$FAST";
            fault = "latency"; delay_ms = 300; } );
CFG

for call in poll ppoll select pselect epoll_wait epoll_pwait epoll_pwait2; do
	OUT=$(./wait_client "$FAST" "$call" 5000)
	assert_match '^ok ' "$OUT" "$call without the shim"
	assert_num "$(value_of ms "$OUT")" '<' 100 "ms until $call saw the answer without the shim"

	assert_exit 0 "$CTL" run -p latency.cfg -- ./wait_client "$FAST" "$call" 5000
	assert_match '^ok ' "$OUT" "$call under a 300 ms recv latency"
	assert_num "$(value_of ms "$OUT")" '>=' 280 "ms until $call saw the delayed answer"
	assert_num "$(value_of ms "$OUT")" '<' 1000 "ms until $call saw the delayed answer"
	assert_num "$(value_of waits "$OUT")" '<=' 3 "$call wakeups for one delayed answer"

	real=$(./wait_client "$SLOW" "$call" 100)
	assert_exit 0 "$CTL" run -p latency.cfg -- ./wait_client "$FAST" "$call" 100
	for seen in "$real" "$OUT"; do
		assert_match '^timeout ' "$seen" "$call with a 100 ms timeout, answer 300 ms late"
		assert_num "$(value_of ms "$seen")" '>=' 95 "ms until $call timed out"
		assert_num "$(value_of ms "$seen")" '<' 250 "ms until $call timed out"
	done
done
