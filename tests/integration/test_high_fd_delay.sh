# Delays on non-blocking sockets numbered past the shim's first table of
# 16384 fds (moved to fd 17000 with dup2) work as on low numbers: recv
# latency read through level-triggered, edge-triggered and one-shot epoll,
# and through poll, ppoll and the epoll waits, gives EAGAIN at once and the
# data 300 ms late without a busy loop; send latency returns at once and
# the echo comes 300 ms late, whole. Skipped when RLIMIT_NOFILE cannot
# reach fd 17000.
. "$(dirname "$0")/lib.sh"
need cc

HIGH=17000
if (($(ulimit -Hn) <= HIGH + 10)) && [[ $(ulimit -Hn) != unlimited ]]; then
	echo "skipped: the hard limit of open files ($(ulimit -Hn)) does not reach fd $HIGH" >&2
	exit 77
fi
ulimit -n $((HIGH + 10)) || fail "cannot raise the soft limit of open files to $((HIGH + 10))"

cc -O2 -Wall -o wait_client "$PROGS/wait_client.c" || fail "cannot build wait_client.c"
start_slow_server 0
FAST=$SLOW_SERVER_PORT
start_echo_server
cat >latency.cfg <<CFG
rules = ( { name = "slow-recv"; calls = ["recv"]; peer = "127.0.0.1:$FAST";
            fault = "latency"; delay_ms = 300; },
          { name = "slow-send"; calls = ["send"]; peer = "127.0.0.1:$ECHO_PORT";
            fault = "latency"; delay_ms = 300; } );
CFG

for mode in lt et oneshot; do
	assert_exit 0 "$CTL" run -p latency.cfg -- python3 "$PROGS/epoll_client.py" "$FAST" "$mode" --timeout 5 --fd $HIGH
	assert_match '^ok n=[1-9]' "$OUT" "epoll $mode client on fd $HIGH under a 300 ms recv latency"
	assert_num "$(value_of t "$OUT")" '>=' 0.28 "seconds until the $mode client on fd $HIGH got its data"
	assert_num "$(value_of t "$OUT")" '<' 1.5 "seconds until the $mode client on fd $HIGH got its data"
	assert_num "$(value_of eagain "$OUT")" '>=' 1 "EAGAINs of the $mode client on fd $HIGH (the receive did not wait)"
	assert_num "$(value_of wakeups "$OUT")" '<=' 5 "wakeups of the $mode client on fd $HIGH (a busy loop makes thousands)"
done

for call in poll ppoll epoll_wait epoll_pwait epoll_pwait2; do
	assert_exit 0 "$CTL" run -p latency.cfg -- ./wait_client "$FAST" "$call" 5000 $HIGH
	assert_match '^ok ' "$OUT" "$call on fd $HIGH under a 300 ms recv latency"
	assert_num "$(value_of ms "$OUT")" '>=' 280 "ms until $call on fd $HIGH saw the delayed answer"
	assert_num "$(value_of ms "$OUT")" '<' 1000 "ms until $call on fd $HIGH saw the delayed answer"
	assert_num "$(value_of waits "$OUT")" '<=' 3 "$call wakeups on fd $HIGH for one delayed answer"
done

assert_exit 0 "$CTL" run -p latency.cfg -- python3 "$PROGS/nb_echo_client.py" "$ECHO_PORT" --size 100000 --fd $HIGH
assert_eq yes "$(value_of intact "$OUT")" "echo of 100000 bytes sent on fd $HIGH under latency"
assert_num "$(value_of send_ms "$OUT")" '<' 50 "ms the longest non-blocking send on fd $HIGH took"
assert_num "$(value_of first_echo_ms "$OUT")" '>=' 280 "ms until the echo of a delayed send on fd $HIGH"
assert_num "$(value_of first_echo_ms "$OUT")" '<' 1500 "ms until the echo of a delayed send on fd $HIGH"
