# send latency (no proto, no peer) on non-blocking sockets that are not
# TCP: a send is accepted at once and its data arrives late, as over a
# slow network. An asyncio program, whose loop is woken by a byte its
# worker threads write to a unix socketpair (and which ignores EAGAIN
# there), completes as without the rule, only later, and gets its signals;
# a UDP sender returns
# at once and its datagrams arrive late and in order, and a flood beyond
# the queue loses datagrams as a full link would; a unix socketpair gets
# its bytes late and in order; a unix datagram socketpair gets every
# record, in order, with EAGAIN only while the queue is full.
. "$(dirname "$0")/lib.sh"

cat >slow.cfg <<'CFG'
rules = ( { name = "slow-send"; calls = ["send"]; fault = "latency"; delay_ms = 100; } );
CFG
kinds() {
	assert_exit 0 timeout -k 5 30 "$@" python3 "$PROGS/send_kinds.py" "$MODE"
}

MODE=asyncio
kinds env
assert_match '^ok ' "$OUT" "asyncio echo and worker threads without the shim"
assert_num "$(value_of rtt_max "$OUT")" '<' 80 "ms per echo round trip without the shim"
assert_num "$(value_of executor "$OUT")" '<' 90 "ms until a 50 ms run_in_executor returned, without the shim"
kinds "$CTL" run -p slow.cfg --
assert_match '^ok ' "$OUT" "asyncio echo and worker threads under send latency (a lost self-pipe wake-up hangs it)"
# Two delayed sends a round trip: the client's and the server's echo.
assert_num "$(value_of rtt_min "$OUT")" '>=' 190 "ms per echo round trip under 100 ms send latency"
assert_num "$(value_of rtt_max "$OUT")" '<' 1000 "ms per echo round trip under 100 ms send latency"
# The worker's wake-up byte is itself a delayed send.
for what in executor threadsafe; do
	assert_num "$(value_of $what "$OUT")" '>=' 140 "ms until a 50 ms $what result reached the loop"
	assert_num "$(value_of $what "$OUT")" '<' 1500 "ms until a 50 ms $what result reached the loop"
done

# A signal reaches an asyncio handler through a byte the C-level handler
# writes to the self-pipe: from a signal handler, with no helper thread
# running, the byte goes at once rather than be refused and lost.
MODE=signal
kinds env
assert_match '^ok ' "$OUT" "asyncio signal handler without the shim"
kinds "$CTL" run -p slow.cfg --
assert_match '^ok ' "$OUT" "asyncio signal handler under send latency (a lost wake-up byte loses the signal)"
assert_num "$(value_of signal_ms "$OUT")" '<' 4000 "ms until a signal sent after 1.5 s reached its asyncio handler"

MODE=udp
kinds env
assert_eq 20 "$(value_of received "$OUT")" "datagrams received without the shim"
assert_num "$(value_of delay_max "$OUT")" '<' 60 "ms each datagram took without the shim"
kinds "$CTL" run -p slow.cfg --
assert_eq 20 "$(value_of received "$OUT")" "datagrams received under send latency"
assert_eq yes "$(value_of in_order "$OUT")" "datagrams in order under send latency"
assert_eq 0 "$(value_of eagain "$OUT")" "EAGAINs of a non-blocking UDP sender under send latency"
assert_num "$(value_of send_ms "$OUT")" '<' 50 "ms the longest non-blocking sendto took"
assert_num "$(value_of delay_min "$OUT")" '>=' 95 "ms each datagram took under 100 ms send latency"
assert_num "$(value_of delay_max "$OUT")" '<' 1000 "ms each datagram took under 100 ms send latency"

# 400 datagrams at once: the queue holds 256, the rest are lost on the
# way; every send still reports success.
MODE=udp-flood
kinds "$CTL" run -p slow.cfg --
assert_eq 0 "$(value_of eagain "$OUT")" "EAGAINs of a UDP flood under send latency"
assert_num "$(value_of received "$OUT")" '<=' 256 "datagrams of 400 delivered through a 256-datagram queue"
assert_num "$(value_of received "$OUT")" '>=' 128 "datagrams of 400 delivered through a 256-datagram queue"
assert_eq yes "$(value_of in_order "$OUT")" "flooded datagrams in order"

MODE=pair
kinds env
assert_eq yes "$(value_of intact "$OUT")" "socketpair bytes without the shim"
assert_num "$(value_of first_ms "$OUT")" '<' 60 "ms until the first bytes without the shim"
kinds "$CTL" run -p slow.cfg --
assert_eq yes "$(value_of intact "$OUT")" "socketpair bytes under send latency, in order"
assert_eq 0 "$(value_of eagain "$OUT")" "EAGAINs of a socketpair's non-blocking sends"
assert_num "$(value_of send_ms "$OUT")" '<' 50 "ms the longest non-blocking socketpair send took"
assert_num "$(value_of first_ms "$OUT")" '>=' 95 "ms until the first bytes under 100 ms send latency"
assert_num "$(value_of first_ms "$OUT")" '<' 1000 "ms until the first bytes under 100 ms send latency"

# Unix datagrams are never lost: a full queue says EAGAIN and the socket
# is not writable until a record has gone, as with a full peer.
MODE=records
kinds "$CTL" run -p slow.cfg --
assert_eq 400 "$(value_of received "$OUT")" "unix records received under send latency"
assert_eq yes "$(value_of in_order "$OUT")" "unix records in order under send latency"
assert_num "$(value_of waits "$OUT")" '<=' 20 "waits for a writable socket (a busy loop makes thousands)"
assert_num "$(value_of t "$OUT")" '>=' 0.19 "seconds for 400 records through a 256-record queue at 100 ms"
