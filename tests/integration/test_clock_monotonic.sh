# monotonic = true: time.monotonic() follows a forward step, and after a
# backward step it stands still until the truth catches up, never going
# back; the same offsets move time.time() both ways.
. "$(dirname "$0")/lib.sh"

cat >mono.cfg <<CFG
rules = ( { name = "mono"; calls = ["clock"]; fault = "clock_skew"; offset_s = 0; monotonic = true; } );
CFG
# Reads the clocks in a busy loop until told to stop (no sleeping: a
# sleep to a deadline on the skewed clock would last longer by the offset,
# see docs/FAULTS.md); prints how many reads went backwards, the largest
# forward jump, how long the clock stood still at most, and the wall
# clock's smallest step.
cat >mono.py <<'PY'
import os, time
prev, prev_wall = time.monotonic(), time.time()
jump = still = wall_min = 0.0
back_n, n, still_since = 0, 0, None
open("ready", "w").close()
while n % 10000 or not os.path.exists("stop"):
    n += 1
    now, wall = time.monotonic(), time.time()
    back_n += now < prev
    jump = max(jump, now - prev)
    if now == prev:
        # os.times() counts ticks since boot, which the shim leaves alone.
        still_since = still_since or os.times().elapsed
        still = max(still, os.times().elapsed - still_since)
    else:
        still_since = None
    wall_min = min(wall_min, wall - prev_wall)
    prev, prev_wall = now, wall
print("back %d jump %.2f still %.2f wall_min %.2f" % (back_n, jump, still, wall_min))
PY
new_segment
"$CTL" -s "$SEG" load mono.cfg || fail "cannot load mono.cfg"
bg env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" python3 -u mono.py >mono.log
for ((i = 0; i < 100; i++)); do [[ -e ready ]] && break; sleep 0.05; done
sleep 0.3
"$CTL" -s "$SEG" set mono offset_s=2 || fail "set offset_s failed"
sleep 0.3
"$CTL" -s "$SEG" set mono offset_s=0.5 || fail "set offset_s failed"
sleep 2
touch stop
wait "$BG_PID"
read -r _ back _ jump _ still _ wall_min <mono.log || fail "no result: $(cat mono.log)"
assert_eq 0 "$back" "reads of time.monotonic() that went backwards"
assert_num "$jump" '>=' 1.9 "largest forward jump of time.monotonic() (offset_s 0 -> 2)"
# The step back by 1.5 s: the clock stands still that long, then moves on.
assert_num "$still" '>=' 1.3 "time.monotonic() standing still after offset_s 2 -> 0.5"
assert_num "$still" '<' 1.8 "time.monotonic() standing still after offset_s 2 -> 0.5"
assert_num "$wall_min" '<=' -1.3 "time.time() after offset_s 2 -> 0.5 (a step back)"

# Monotonic reads never go back, whichever path serves them: a step far
# ahead, then below the truth; a rule that skews only some reads; a rule
# whose count runs out; a rule disabled (the clock family idle again). The
# program reads time.monotonic() throughout and counts reads that went back.
mono_run() { # CFG STEP... (each step: a ctl command line, or a pause)
	local cfg=$1 step
	shift
	rm -f ready stop mono.log
	new_segment
	"$CTL" -s "$SEG" load "$cfg" >/dev/null || fail "cannot load $cfg"
	bg env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" python3 -u mono.py >mono.log
	for ((i = 0; i < 100; i++)); do [[ -e ready ]] && break; sleep 0.05; done
	for step in "$@"; do
		case $step in
		sleep*) sleep "${step#sleep }" ;;
		*) "$CTL" -s "$SEG" $step >/dev/null || fail "$step failed" ;;
		esac
	done
	touch stop
	wait "$BG_PID"
	read -r _ back _ <mono.log || fail "no result: $(cat mono.log)"
}
cat >far.cfg <<CFG
rules = ( { name = "mono"; calls = ["clock"]; fault = "clock_skew"; offset_s = 0; monotonic = true; } );
CFG
mono_run far.cfg 'sleep 0.3' 'set mono offset_s=1000' 'sleep 0.3' 'set mono offset_s=-5' 'sleep 0.5'
assert_eq 0 "$back" "reads that went back after offset_s 1000 then -5"
mono_run far.cfg 'sleep 0.3' 'set mono offset_s=1000' 'sleep 0.3' 'disable mono' 'sleep 0.5'
assert_eq 0 "$back" "reads that went back after a skewed rule was disabled"
mono_run far.cfg 'sleep 0.3' 'set mono offset_s=1000' 'sleep 0.3' 'pause' 'sleep 0.5'
assert_eq 0 "$back" "reads that went back after the segment was paused"
cat >half.cfg <<CFG
rules = ( { name = "mono"; calls = ["clock"]; fault = "clock_skew"; offset_s = 100; monotonic = true; probability = 0.5; } );
CFG
mono_run half.cfg 'sleep 1'
assert_eq 0 "$back" "reads that went back under probability 0.5"
cat >counted.cfg <<CFG
rules = ( { name = "mono"; calls = ["clock"]; fault = "clock_skew"; offset_s = 100; monotonic = true; count = 2000; } );
CFG
mono_run counted.cfg 'sleep 1'
assert_eq 0 "$back" "reads that went back once count was spent"
assert_eq 2000 "$(stat_of "$SEG" mono injected)" "skewed reads under count = 2000"
