# after and count are shared by every process on a segment: count = 3 means
# three injections in total, not three per process.
. "$(dirname "$0")/lib.sh"

start_echo_server
profile() { # after count
	cat >counted.cfg <<CFG
rules = ( { name = "three"; calls = ["connect"]; peer = "127.0.0.1:$ECHO_PORT";
            after = $1; count = $2; fault = "reset"; } );
CFG
}
results() { cut -d' ' -f1 "$@" | tr '\n' ' ' | sed 's/ $//'; }
client() { # segment output-file
	env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$1" \
		python3 "$PROGS/tcp_client.py" "$ECHO_PORT" --times 5 >"$2"
}

# One after the other: the first process uses up the budget.
new_segment; seg=$SEG
profile 2 3
"$CTL" -s "$seg" load counted.cfg || fail "chaos-shim-ctl load failed"
client "$seg" a.out
client "$seg" b.out
assert_eq "ok ok err err err" "$(results a.out)" "first process (after = 2, count = 3)"
assert_eq "ok ok ok ok ok" "$(results b.out)" "second process (budget used up)"
assert_eq 10 "$(stat_of "$seg" three matched)" "matched over both processes"
assert_eq 3 "$(stat_of "$seg" three injected)" "injected over both processes"

# At the same time: still three in total.
new_segment; seg=$SEG
profile 0 3
"$CTL" -s "$seg" load counted.cfg || fail "chaos-shim-ctl load failed"
client "$seg" c.out &
pid_c=$!
client "$seg" d.out &
pid_d=$!
wait "$pid_c" "$pid_d"
assert_eq 3 "$(cat c.out d.out | grep -c '^err ConnectionRefusedError')" "refused connects over two concurrent processes"
assert_eq 3 "$(stat_of "$seg" three injected)" "injected over two concurrent processes"

# stats --reset zeroes the counters.
"$CTL" -s "$seg" stats --reset >/dev/null || fail "stats --reset failed"
assert_eq 0 "$(stat_of "$seg" three matched)" "matched after stats --reset"
