# One slow client does not stall an event-loop server: an asyncio echo
# server with 200 ms of accept and recv latency on one client's connection
# (singled out by its local port) serves that client late, and every other
# client at once, as a server whose one peer sits behind a slow link does.
# Before, the shim slept inside the loop and every client waited.
. "$(dirname "$0")/lib.sh"

SLOW=$(free_port)
cat >slow.cfg <<CFG
rules = ( { name = "slow-client"; calls = ["accept", "recv"]; peer = "127.0.0.1:$SLOW";
            fault = "latency"; delay_ms = 200; } );
CFG
bg "$CTL" run -p slow.cfg -- python3 -u "$PROGS/asyncio_echo.py" >echo.log 2>&1
PORT=$(port_from_log echo.log "asyncio echo server") || exit 1

OUT=$(python3 "$PROGS/isolation_client.py" "$PORT" "$SLOW")
echo "$OUT"
# The slow client: accepted 200 ms late, then each echo 200 ms late.
assert_num "$(value_of slow_connect "$OUT")" '>=' 380 "ms until the slow client's first echo"
assert_num "$(value_of slow_connect "$OUT")" '<' 1500 "ms until the slow client's first echo"
assert_num "$(value_of slow_rtt "$OUT")" '>=' 190 "ms of the slow client's round trips"
assert_num "$(value_of slow_rtt "$OUT")" '<' 600 "ms of the slow client's round trips"
# The others: served as if nothing was slow (a stalled loop gives 200 ms).
assert_num "$(value_of fast_p50 "$OUT")" '<' 20 "p50 ms of the other client's round trips"
assert_num "$(value_of fast_p99 "$OUT")" '<' 60 "p99 ms of the other client's round trips"
