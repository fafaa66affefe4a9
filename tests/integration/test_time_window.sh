# Time windows run from the load (or enable) and are shared by every
# process: curl in a shell loop, one process per request, refused only
# inside the window; a flapping rule alternates; status says which side of
# its window a rule is on. Attempts close to an edge are not judged: the
# bands leave 300 ms either way for a loaded machine.
. "$(dirname "$0")/lib.sh"
need curl

start_http_server
real_refused=$(curl_refused_status)
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# attempts MS: curl every 100 ms for MS; lines "START END EXIT" in ms since
# the load, which load_now stamped.
attempts() {
	local until=$(($(now_ms) + $1)) start rc
	: >attempts.out
	while (($(now_ms) < until)); do
		start=$(now_ms)
		under_segment "$SEG" curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$HTTP_PORT/"
		rc=$?
		echo "$((start - loaded)) $(($(now_ms) - loaded)) $rc" >>attempts.out
		sleep 0.1
	done
}
load_now() {
	loaded=$(now_ms)
	"$CTL" -s "$SEG" load w.cfg || fail "load failed"
}
# judge WHO: every attempt wholly inside a band has the exit the band
# wants; $inside(ms) says 1 inside the window, 0 outside, - near an edge.
judge() {
	local start end rc a b want seen_in=0 seen_out=0
	while read -r start end rc; do
		a=$(inside "$start") b=$(inside "$end")
		[[ $a == - || $a != "$b" ]] && continue
		if [[ $a == 1 ]]; then want=$real_refused seen_in=$((seen_in + 1)); else want=0 seen_out=$((seen_out + 1)); fi
		assert_eq "$want" "$rc" "$1: curl exit for an attempt at $start..$end ms"
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
