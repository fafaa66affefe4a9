# Two processes of tests/stress/stress.c (8 threads each, send/recv on
# socketpairs and clock reads) on one segment while chaos-shim-ctl changes
# it thousands of times. Phase 1 loads, enables, disables, sets, pauses and
# resumes; phase 2 never resets the counters, so they must add up: injected
# never above matched, a count-limited rule injected exactly `count` times
# over both processes, and exactly as often as the programs saw its errno.
# CS_STRESS_OPS and CS_STRESS_MIN scale it (the sanitizer suites run less).
. "$(dirname "$0")/../integration/lib.sh"

STRESS=$CS_BUILD/stress/stress
OPS=${CS_STRESS_OPS:-2000}
MIN=${CS_STRESS_MIN:-3000}
THREADS=8
[[ -x $STRESS ]] || fail "$STRESS is missing (make reliability-bin)"

cat >a.cfg <<'CFG'
rules = (
  { name = "cut";   calls = ["send", "recv"]; fault = "slice"; max_bytes = 5; probability = 0.5; },
  { name = "eintr"; calls = ["recv"]; fault = "error"; errno = "EINTR"; probability = 0.05; },
  { name = "slow";  calls = ["send"]; fault = "latency"; delay_ms = 1; probability = 0.001; },
  { name = "skew";  calls = ["clock"]; fault = "clock_skew"; offset_s = 86400; rate = 1.5; }
);
CFG
cat >b.cfg <<'CFG'
seed = 5;
rules = (
  { name = "uniq";  calls = ["send"]; fault = "error"; errno = "ENOTUNIQ"; probability = 0.1; },
  { name = "cut";   calls = ["recv"]; fault = "slice"; max_bytes = 1; },
  { name = "back";  calls = ["clock"]; fault = "clock_skew"; offset_s = -3600; }
);
CFG
cat >counted.cfg <<'CFG'
seed = 9;
rules = (
  { name = "counted"; calls = ["send"]; fault = "error"; errno = "ENOTUNIQ"; probability = 0.3; count = 4000; },
  { name = "cut";     calls = ["send", "recv"]; fault = "slice"; max_bytes = 3; probability = 0.5; },
  { name = "eintr";   calls = ["recv"]; fault = "error"; errno = "EINTR"; probability = 0.02; after = 100; },
  { name = "skew";    calls = ["clock"]; fault = "clock_skew"; offset_s = 600; }
);
CFG

ctl() { "$CTL" -s "$SEG" "$@" >/dev/null || fail "chaos-shim-ctl $* failed"; }

# Starts the two processes on $SEG; they run until the file stop exists.
start_pair() {
	rm -f stop
	bg env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" "$STRESS" $THREADS "$MIN" stop >p1.out 2>p1.err
	P1=$BG_PID
	bg env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" "$STRESS" $THREADS "$MIN" stop >p2.out 2>p2.err
	P2=$BG_PID
}

# Stops them and checks both ended well; sets NOTUNIQ to their sum.
finish_pair() {
	local p out calls total=0
	touch stop
	NOTUNIQ=0
	for p in 1 2; do
		wait "$([[ $p == 1 ]] && echo "$P1" || echo "$P2")"
		local rc=$?
		[[ $rc == 0 ]] || fail "$1: stress process $p exited $rc: $(head -c 3000 p$p.err)"
		out=$(cat p$p.out)
		assert_match '^ok calls=[0-9]+ notuniq=[0-9]+ eintr=[0-9]+$' "$out" "$1: output of process $p"
		calls=$(sed -E 's/.*calls=([0-9]+).*/\1/' <<<"$out")
		assert_num "$calls" '>=' 100000 "$1: intercepted calls made by process $p"
		NOTUNIQ=$((NOTUNIQ + $(sed -E 's/.*notuniq=([0-9]+).*/\1/' <<<"$out")))
		total=$((total + calls))
		# A sanitizer report goes to stderr even when the exit is 0.
		! grep -q 'Sanitizer' p$p.err || fail "$1: sanitizer report in process $p: $(head -c 3000 p$p.err)"
	done
	echo "$1: $total calls over two processes"
}

# --- phase 1: every kind of change, including loads that reset counters ---
new_segment
ctl load a.cfg
start_pair
start=$SECONDS
for ((i = 0; i < OPS; i++)); do
	case $((i % 10)) in
	0) ctl load b.cfg ;;
	1) ctl set cut max_bytes=$((i % 7 + 1)) ;;
	2) ctl disable --all ;;
	3) ctl enable --all ;;
	4) ctl pause ;;
	5) ctl resume ;;
	6) ctl load a.cfg ;;
	7) ctl disable skew cut ;;
	8) ctl enable skew cut ;;
	9) ctl stats ;;
	esac
done
echo "phase 1: $OPS control operations in $((SECONDS - start)) s"
finish_pair "phase 1"

# --- phase 2: no resets; the counters must add up --------------------------
new_segment
ctl load counted.cfg
start_pair
for ((i = 0; i < OPS / 2; i++)); do
	case $((i % 8)) in
	0) ctl set eintr probability=0.0$((i % 9 + 1)) ;;
	1) ctl disable cut ;;
	2) ctl pause ;;
	3) ctl resume ;;
	4) ctl enable cut ;;
	5) ctl set skew offset_s=$((i % 1000)) ;;
	6) ctl disable skew ;;
	7) ctl enable skew ;;
	esac
done
# Let the count run out before the check.
for ((i = 0; i < 200; i++)); do
	[[ $(stat_of "$SEG" counted injected) == 4000 ]] && break
	sleep 0.05
done
finish_pair "phase 2"
"$CTL" -s "$SEG" stats --json >final.json || fail "stats --json failed"
python3 - "$NOTUNIQ" <<'EOF' || fail "counters do not add up: $(cat final.json)"
import json, sys
doc = json.load(open("final.json"))
seen = int(sys.argv[1])
for r in doc["rules"]:
    assert r["injected"] <= r["matched"], f"{r['name']}: injected {r['injected']} > matched {r['matched']}"
counted = next(r for r in doc["rules"] if r["name"] == "counted")
assert counted["injected"] == 4000, f"counted: injected {counted['injected']}, count is 4000"
assert seen == counted["injected"], f"programs saw ENOTUNIQ {seen} times, counted injected {counted['injected']}"
print("phase 2: " + ", ".join(f"{r['name']} {r['injected']}/{r['matched']}" for r in doc["rules"]))
EOF
