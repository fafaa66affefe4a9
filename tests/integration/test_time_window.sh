# Time windows run from the load (or enable) and are shared by every
# process: python connecting in a shell loop, one process per attempt,
# refused only inside the window; a flapping rule alternates; status says
# which side of its window a rule is on. Attempts close to an edge are not
# judged: the bands leave 300 ms either way for a loaded machine.
. "$(dirname "$0")/lib.sh"

start_http_server
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# attempts MS: a connection every 100 ms for MS; lines "START END RESULT"
# in ms since the load, which load_now stamped.
attempts() {
	local until=$(($(now_ms) + $1)) start rc
	: >attempts.out
	while (($(now_ms) < until)); do
		start=$(now_ms)
		rc=$(under_segment "$SEG" python3 "$PROGS/connect_once.py" "$HTTP_PORT")
		echo "$((start - loaded)) $(($(now_ms) - loaded)) $rc" >>attempts.out
		sleep 0.1
	done
}
load_now() {
	loaded=$(now_ms)
	"$CTL" -s "$SEG" load w.cfg || fail "load failed"
}
# judge WHO: every attempt wholly inside a band has the result the band
# wants; $inside(ms) says 1 inside the window, 0 outside, - near an edge.
judge() {
	local start end rc a b want seen_in=0 seen_out=0
	while read -r start end rc; do
		a=$(inside "$start") b=$(inside "$end")
		[[ $a == - || $a != "$b" ]] && continue
		if [[ $a == 1 ]]; then want=refused seen_in=$((seen_in + 1)); else want=ok seen_out=$((seen_out + 1)); fi
		assert_eq "$want" "$rc" "$1: an attempt at $start..$end ms"
	done <attempts.out
	((seen_in >= 2 && seen_out >= 2)) ||
		fail "$1: too few attempts to judge ($seen_in inside, $seen_out outside): $(tr '\n' ';' <attempts.out)"
}

# From 1.5 s to 3 s after the load.
new_segment
cat >w.cfg <<CFG
rules = ( { name = "window"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT";
            start_after_ms = 1500; duration_ms = 1500; fault = "reset"; } );
CFG
load_now
"$CTL" -s "$SEG" status >status.out
assert_match 'window +yes .* closed for [0-9.]+ s' "$(cat status.out)" "status before the window"
attempts 4500
inside() {
	if (($1 > 1800 && $1 < 2700)); then echo 1
	elif (($1 < 1200 || $1 > 3300)); then echo 0
	else echo -; fi
}
judge "start_after_ms = 1500; duration_ms = 1500"
assert_eq "False" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["rules"][0]["in_window"])' < <("$CTL" -s "$SEG" status --json))" \
	"in_window after the window"

# Flapping: refused for the first second of every two.
cat >w.cfg <<CFG
rules = ( { name = "flap"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT";
            period_ms = 2000; active_ms = 1000; fault = "reset"; } );
CFG
load_now
attempts 6000
inside() {
	local phase=$(($1 % 2000))
	if ((phase > 300 && phase < 700)); then echo 1
	elif ((phase > 1300 && phase < 1700)); then echo 0
	else echo -; fi
}
judge "period_ms = 2000; active_ms = 1000"

# enable starts a disabled rule's window again.
cat >w.cfg <<CFG
rules = ( { name = "later"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT";
            start_after_ms = 1000; fault = "reset"; enabled = false; } );
CFG
load_now
sleep 1.5
assert_exit 0 "$CTL" -s "$SEG" enable later
loaded=$(now_ms)
attempts 2200
inside() {
	if (($1 > 1300)); then echo 1
	elif (($1 < 700)); then echo 0
	else echo -; fi
}
judge "start_after_ms = 1000 from enable"

# The clock family too: a skew of one day from 1 s to 3 s after the load.
# One python process reads the wall clock against its (unskewed)
# monotonic clock before the window, inside it and after it.
cat >w.cfg <<CFG
rules = ( { name = "two-seconds-ahead"; calls = ["clock"]; fault = "clock_skew";
            offset_s = 86400; start_after_ms = 1000; duration_ms = 2000; } );
CFG
load_now
under_segment "$SEG" python3 -c '
import time
def shift():
    return time.time() - time.monotonic()
before = shift()
time.sleep(1.9)
inside = shift()
time.sleep(2.0)
after = shift()
print(round(inside - before), round(after - before))' >skew.out
assert_eq "86400 0" "$(cat skew.out)" "skew inside the window, not before or after it (seconds)"
