# The life of a segment around the programs attached to it: destroy racing
# resume leaves them passing through; `run` leaves nothing behind, even when
# its command leaves a background child that execs later; a pid is listed
# once after exec; `list` marks stale segments and `destroy --stale`
# removes those and only those. (The crash consistency of every write is
# checked one instruction at a time in tests/unit/test_segment.c.)
. "$(dirname "$0")/../integration/lib.sh"

BIN=$CS_BUILD/reliability
LIFE=$BIN/life
cat >uniq.cfg <<'CFG'
rules = ( { name = "uniq"; calls = ["send"]; fault = "error"; errno = "ENOTUNIQ"; } );
CFG
cat >skew.cfg <<'CFG'
rules = ( { name = "skew"; calls = ["clock"]; fault = "clock_skew"; offset_s = 86400; } );
CFG
# The low half of the state word: the armed mask the shim reads.
armed_of() { od -An -tx4 -j64 -N4 "$1" | tr -d ' '; }
# `life loop` writing to $1 passes through from now on: a clean tick comes,
# and every tick after it is clean.
expect_passthrough() { # file what
	local mark
	mark=$(lines_of "$1")
	wait_line "$1" "$mark" '^tick ok=[1-9][0-9]* err=0$' 10
	mark=$(lines_of "$1")
	sleep 0.3
	assert_eq "" "$(lines_after "$1" "$mark" | grep -v 'err=0$')" "$2"
}
keeps=()
trap 'rm -f "${keeps[@]}"; cs_cleanup' EXIT

# --- destroy racing resume ------------------------------------------------------
# A hard link keeps the destroyed file reachable, to read what attached
# programs read after the unlink: destroyed, nothing armed (0x20000000).
for ((i = 0; i < 60; i++)); do
	new_segment
	"$CTL" -s "$SEG" load uniq.cfg >/dev/null || fail "load failed"
	"$CTL" -s "$SEG" pause || fail "pause failed"
	keep=/dev/shm/.keep-it-$$-$i
	ln "$(seg_file "$SEG")" "$keep" || fail "cannot link the segment"
	keeps+=("$keep")
	"$CTL" -s "$SEG" resume 2>/dev/null &
	"$CTL" -s "$SEG" destroy || fail "destroy failed"
	wait
	assert_eq 20000000 "$(armed_of "$keep")" "armed word after destroy raced resume (try $i)"
	rm -f "$keep"
done
# The same, seen from a program: it passes through once destroy returns.
new_segment
"$CTL" -s "$SEG" load uniq.cfg >/dev/null || fail "load failed"
bg env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" "$LIFE" loop >race.out 2>race.err
loop_pid=$BG_PID
wait_line race.out 0 '^tick ok=0 err=[1-9]' 10
"$CTL" -s "$SEG" pause || fail "pause failed"
for ((i = 0; i < 20; i++)); do "$CTL" -s "$SEG" resume 2>/dev/null & done
"$CTL" -s "$SEG" destroy || fail "destroy failed"
wait_for_jobs() { local j; for j in $(jobs -p); do [[ $j == "$loop_pid" ]] || wait "$j"; done; }
wait_for_jobs
expect_passthrough race.out "ticks after destroy"
kill "$loop_pid"

# --- run leaves nothing, whatever its command leaves running ----------------------
# The command starts a child that outlives it and execs a new program after
# run has ended: that program passes through and does not make the segment
# again. A second child still running when run ends passes through too.
new_segment
assert_exit 0 "$CTL" run -s "$SEG" -p skew.cfg -- sh -c "
	(sleep 1; exec '$BIN/ctor' >late.out 2>late.err) &
	'$LIFE' loop >alive.out 2>alive.err & echo \$! >alive.pid
	exec '$BIN/ctor' 2>early.err"
assert_match 'main skew=86400' "$(cat early.err)" "the command itself"
for ((i = 0; i < 100; i++)); do grep -q 'main skew' late.err 2>/dev/null && break; sleep 0.1; done
assert_match 'main skew=0' "$(cat late.err)" "a program exec'd after run ended"
assert_match "chaos-shim: segment '$SEG' is gone: it was destroyed after this program's parent attached; calls pass through" \
	"$(cat late.err)" "what it says"
[[ ! -e $(seg_file "$SEG") ]] || fail "the segment came back after run"
kill "$(cat alive.pid)"
# run leaves no file in /dev/shm for its segment, named or not.
assert_exit 0 "$CTL" run -p skew.cfg -- sh -c 'echo "$CHAOS_SHIM_SEGMENT"; (sleep 0.5; exec true) &'
unnamed=$OUT
sleep 1
[[ -z $(ls -a /dev/shm | grep -F -- "$unnamed") ]] || fail "run left $(ls -a /dev/shm | grep -F -- "$unnamed")"

# A child still running when run ends: faults stop at that moment.
new_segment
cat >wait-errors.sh <<SH
'$LIFE' loop >bg.out 2>bg.err & echo \$! >bg.pid
while ! grep -q 'err=[1-9]' bg.out 2>/dev/null; do sleep 0.05; done
SH
assert_exit 0 "$CTL" run -s "$SEG" -p uniq.cfg -- sh wait-errors.sh
bg_pid=$(cat bg.pid)
CS_PIDS+=("$bg_pid")
expect_passthrough bg.out "ticks of a child after run ended"
kill "$bg_pid"

# --- after exec, a pid is listed once ----------------------------------------------
new_segment
"$CTL" -s "$SEG" load skew.cfg >/dev/null || fail "load failed"
rm -f release
bg env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" "$LIFE" exec fork "$LIFE" hold "$PWD/release" >exec.out 2>exec.err
exec_pid=$BG_PID
wait_line exec.out 0 '^ready [0-9]+$' 10
child=$(sed -n 's/^ready //p' exec.out)
"$CTL" -s "$SEG" status --json >status.json || fail "status failed"
assert_eq "1 2" "$(python3 -c 'import json,sys; p = json.load(open("status.json"))["pids"]; print(p.count(int(sys.argv[1])), len(p))' "$child")" \
	"times the exec'd pid is listed, and pids listed"
assert_exit 0 "$CTL" list
assert_match "$SEG +1 +2 " "$OUT" "list counts the processes once"
touch release
wait "$exec_pid" || fail "exec: exit status $?: $(cat exec.err)"

# --- stale segments ------------------------------------------------------------------
# Other suites' segments may be stale at this moment: this part works on
# the segments of a uid of its own, which only root can do.
(($(id -u) == 0)) || { echo "stale segments: skipped (needs root)"; exit 0; }
need setpriv
U=$((3000000 + $$ % 100000))
chmod 755 "$PWD"
cp "$CTL" ctl
cp "$CS_BUILD/libchaos-shim.so" libchaos-shim.so # where run finds it
chmod 755 ctl libchaos-shim.so
chmod 644 skew.cfg
as_u() { setpriv --reuid=$U --regid=$U --clear-groups "$@"; }
ctl_u() { "$CTL" -u $U "$@"; }
cleanup_u() { rm -f /dev/shm/chaos-shim.$U.*; }
trap 'rm -f "${keeps[@]}"; cs_cleanup; cleanup_u' EXIT
ctl_u -s loaded load skew.cfg || fail "load failed"                 # nobody ever attached
ctl_u -s used load skew.cfg || fail "load failed"                   # a program runs on it
ctl_u -s crashed load skew.cfg || fail "load failed"                # its program was killed
ctl_u -s broken load skew.cfg || fail "load failed"                 # unreadable
rm -f release
bg as_u env LD_PRELOAD="$PWD/libchaos-shim.so" CHAOS_SHIM_SEGMENT=used "$LIFE" hold "$PWD/release" >used.out 2>&1
used_pid=$BG_PID
(as_u env LD_PRELOAD="$PWD/libchaos-shim.so" CHAOS_SHIM_SEGMENT=crashed sh -c 'kill -9 $$') 2>/dev/null
# A run in progress: its creator and its command are alive.
bg as_u ./ctl run -s running -p skew.cfg -- "$LIFE" hold "$PWD/release" >running.out 2>&1
wait_line used.out 0 '^ready ' 10
wait_line running.out 0 '^ready ' 10
truncate -s 100 /dev/shm/chaos-shim.$U.broken
# The line of segment $1 in the last output.
row() { grep -E "^$1 " <<<"$OUT"; }
assert_exit 0 ctl_u list
echo "$OUT"
assert_match '^NAME +RULES +PROCESSES +CREATOR +STATE' "$OUT" "list's header"
assert_match '^loaded +1 +0 +- +stale$' "$(row loaded)" "a segment nobody attached to"
assert_match '^used +1 +1 +- +active$' "$(row used)" "a segment in use"
assert_match '^crashed +1 +0 +- +stale$' "$(row crashed)" "a segment whose program was killed"
assert_match '^running +1 +1 +[0-9]+ +active$' "$(row running)" "a segment of a run in progress"
assert_match '^broken +- +- +- +unreadable: ' "$(row broken)" "an unreadable segment"
ctl_u -s used pause || fail "pause failed"
assert_exit 0 ctl_u list
assert_match '^used +1 +1 +- +paused$' "$(row used)" "a paused segment in use"
assert_exit 2 ctl_u -s used destroy --stale
assert_exit 0 ctl_u destroy --stale
assert_eq "destroyed crashed
destroyed loaded" "$OUT" "what destroy --stale removed"
assert_eq "broken running used" "$(cd /dev/shm && echo chaos-shim.$U.* | sed "s/chaos-shim\.$U\.//g")" "segments left"
touch release
wait "$used_pid"
assert_exit 0 ctl_u -s broken destroy
