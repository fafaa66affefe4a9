# SIGINT (Ctrl-C) or SIGTERM in the middle of a sweep stops its runs and
# removes every segment it made: nothing is left in /dev/shm, no run goes
# on, and the sweep exits 130 or 143. The runs here hang at their fault,
# two at a time.
. "$(dirname "$0")/lib.sh"

need ps env
start_http_server
cat >sweep.cfg <<CFG
rules = ( { name = "refuse"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT"; fault = "reset"; } );
CFG

# The segment files of the sweep whose pid is $1.
sweep_segments() {
	ls /dev/shm | grep "^chaos-shim\.$(id -u)\.sweep-$1-"
}

for signal in INT TERM; do
	# A shell without job control starts background commands with SIGINT
	# ignored, which the sweep would respect: a terminal's is default.
	bg env --default-signal=INT "$CTL" sweep -p sweep.cfg -j 2 -- \
		python3 "$PROGS/retry_client.py" "$HTTP_PORT" --hang-on-failure
	sweep=$BG_PID
	for ((i = 0; i < 200; i++)); do
		runs=$(ps -o pid= --ppid "$sweep" | wc -l)
		(($(sweep_segments "$sweep" | wc -l) == 2 && runs == 2)) && break
		sleep 0.05
	done
	assert_eq 2 "$(sweep_segments "$sweep" | wc -l)" "segments of the two hanging runs before SIG$signal"
	children=$(ps -o pid= --ppid "$sweep")
	assert_eq 2 "$(wc -w <<<"$children")" "runs going before SIG$signal"
	sleep 0.5 # the runs reach their fault and hang there
	kill -"$signal" "$sweep"
	wait "$sweep"
	rc=$?
	assert_eq "$([[ $signal == INT ]] && echo 130 || echo 143)" "$rc" "sweep's exit status after SIG$signal"
	assert_eq "" "$(sweep_segments "$sweep")" "segments left after SIG$signal"
	for child in $children; do
		kill -0 "$child" 2>/dev/null && fail "run $child still going after SIG$signal"
	done
done
exit 0
