# error fault: ECONNREFUSED on connect is ConnectionRefusedError in python3;
# EINTR on recv is retried by python3 (PEP 475) and the data still arrives.
. "$(dirname "$0")/lib.sh"

start_echo_server
cat >refuse.cfg <<CFG
rules = ( { name = "refuse"; calls = ["connect"]; peer = "127.0.0.1:$ECHO_PORT";
            fault = "error"; errno = "ECONNREFUSED"; } );
CFG
assert_exit 0 "$CTL" run -p refuse.cfg -- python3 "$PROGS/tcp_client.py" "$ECHO_PORT"
assert_match '^err ConnectionRefusedError 111 ' "$OUT" "python3 under ECONNREFUSED on connect"

cat >eintr.cfg <<CFG
rules = ( { name = "eintr"; calls = ["recv"]; peer = "127.0.0.1:$ECHO_PORT";
            count = 5; fault = "error"; errno = "EINTR"; } );
CFG
new_segment; seg=$SEG
"$CTL" -s "$seg" load eintr.cfg || fail "chaos-shim-ctl load failed"
assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$seg" \
	python3 "$PROGS/tcp_client.py" "$ECHO_PORT" --size 100
assert_match '^ok n=100 .*intact=yes' "$OUT" "python3 under five EINTR on recv"
assert_eq 5 "$(stat_of "$seg" eintr injected)" "EINTR injected"
