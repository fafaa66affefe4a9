# A running python3 program's wall clock under `chaos-shim-ctl set`: an
# offset_s change is a step, a rate change carries on from the current
# skewed time without a jump, and time.monotonic() is not skewed.
. "$(dirname "$0")/lib.sh"

cat >jump.cfg <<CFG
rules = ( { name = "jump"; calls = ["clock"]; fault = "clock_skew"; offset_s = 0; } );
CFG
# Prints "wall monotonic" every 50 ms until told to stop.
cat >clock.py <<'PY'
import os, time
while not os.path.exists("stop"):
    print("%.4f %.4f" % (time.time(), time.monotonic()), flush=True)
    time.sleep(0.05)
PY
new_segment
"$CTL" -s "$SEG" load jump.cfg || fail "cannot load jump.cfg"
bg env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" python3 -u clock.py >clock.log
wait_line clock.log 0 '.'
# The skew of a line: wall clock minus monotonic, against the first line.
skew_now() {
	python3 - <<'PY'
import sys
rows = [tuple(map(float, l.split())) for l in open("clock.log") if len(l.split()) == 2]
base = rows[0][0] - rows[0][1]
print("%.3f" % (rows[-1][0] - rows[-1][1] - base))
PY
}
sleep 0.3
assert_num "$(skew_now)" '<' 0.2 "skew at offset_s = 0"

"$CTL" -s "$SEG" set jump offset_s=3600 || fail "set offset_s failed"
sleep 0.3
assert_num "$(skew_now)" '>' 3599.8 "skew after set offset_s=3600"
assert_num "$(skew_now)" '<' 3600.2 "skew after set offset_s=3600"

from=$(lines_of clock.log)
"$CTL" -s "$SEG" set jump rate=3 || fail "set rate failed"
sleep 1
"$CTL" -s "$SEG" set jump rate=1 || fail "set rate failed"
sleep 0.3
# Under rate 3 the wall clock ran three times as fast, and never jumped:
# between two lines it moved at most three times the monotonic time.
python3 - "$from" <<'PY' || fail "the wall clock jumped at a rate change: $(tail -n +"$from" clock.log | tr '\n' '|')"
import sys
rows = [tuple(map(float, l.split())) for l in open("clock.log").readlines()[int(sys.argv[1]) - 1:]]
steps = [(b[0] - a[0], b[1] - a[1]) for a, b in zip(rows, rows[1:])]
sys.exit(0 if all(0 <= w <= 3 * m + 0.01 for w, m in steps) else 1)
PY
assert_num "$(skew_now)" '>' 3601.5 "skew after one second at rate 3"
assert_num "$(skew_now)" '<' 3602.5 "skew after one second at rate 3"

before=$(skew_now)
"$CTL" -s "$SEG" set jump offset_s=-3600 || fail "set offset_s failed"
sleep 0.3
# A step back by 7200 s; what the rate added is kept.
assert_num "$(skew_now) - $before" '>' -7200.2 "step of set offset_s=-3600"
assert_num "$(skew_now) - $before" '<' -7199.8 "step of set offset_s=-3600"

# The monotonic clock was not skewed: its last reading is the system's.
touch stop
wait "$BG_PID"
last=$(tail -n 1 clock.log)
now=$(python3 -c 'import time; print(time.monotonic())')
assert_num "$now - ${last#* }" '<' 0.5 "time.monotonic() of the program against the true one"
assert_num "$now - ${last#* }" '>=' 0 "time.monotonic() of the program against the true one"
