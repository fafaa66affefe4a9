# Process life under the shim: fork from a multithreaded program while its
# threads are inside the shim (the child works and follows a toggle), fork,
# vfork and posix_spawn followed by exec (the new program attaches to the
# same segment and `status` lists it), thread storms, and intercepted calls
# from a signal handler while the main thread is in the slow path. Every
# step has a time limit: a deadlock fails the test instead of hanging it.
. "$(dirname "$0")/../integration/lib.sh"

LIFE=$CS_BUILD/reliability/life
[[ -x $LIFE ]] || fail "$LIFE is missing (make reliability-bin)"

cat >life.cfg <<'CFG'
log = "events.jsonl";
rules = (
  { name = "slow";  calls = ["send"]; fault = "latency"; delay_ms = 1; probability = 0.5; },
  { name = "eintr"; calls = ["send", "recv"]; fault = "error"; errno = "EINTR"; probability = 0.1; },
  { name = "skew";  calls = ["clock"]; fault = "clock_skew"; offset_s = 86400; }
);
CFG
new_segment
"$CTL" -s "$SEG" load life.cfg >/dev/null || fail "load failed"
run() { timeout -k 2 "$1" env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" "${@:2}"; }

# --- fork while two threads are inside the shim ---------------------------
bg run 60 "$LIFE" fork 30 >fork.out 2>fork.err
fork_pid=$BG_PID
wait_line fork.out 0 '^child [0-9]+ skewed$' 30
"$CTL" -s "$SEG" disable skew >/dev/null || fail "disable failed"
wait_line fork.out 0 '^child unskewed$' 10
wait "$fork_pid" || fail "fork: exit status $?: $(cat fork.err)"
"$CTL" -s "$SEG" enable skew >/dev/null || fail "enable failed"

# --- fork, vfork and posix_spawn, then exec: the new program attaches -----
for how in fork vfork spawn; do
	rm -f release
	bg run 20 "$LIFE" exec "$how" "$LIFE" hold release >exec.$how.out 2>exec.$how.err
	exec_pid=$BG_PID
	wait_line exec.$how.out 0 '^ready [0-9]+$' 10
	child=$(sed -n 's/^child //p' exec.$how.out)
	ready=$(sed -n 's/^ready //p' exec.$how.out)
	assert_eq "$child" "$ready" "$how: pid of the exec'd program"
	"$CTL" -s "$SEG" status --json >status.json || fail "status failed"
	python3 -c 'import json,sys; sys.exit(0 if int(sys.argv[1]) in json.load(open("status.json"))["pids"] else 1)' "$child" ||
		fail "$how: exec'd pid $child not in status: $(cat status.json)"
	touch release
	wait "$exec_pid" || fail "$how: exit status $?: $(cat exec.$how.err)"
done

# --- thread storms ------------------------------------------------------------
assert_exit 0 run 60 "$LIFE" threads 2048
assert_eq "threads 2048" "$OUT" "thread storm"

# --- signal handler calls while the main thread is in the slow path ---------
assert_exit 0 run 30 "$LIFE" signals 3
assert_match '^signals handled=[0-9]+ pings=[0-9]+$' "$OUT" "signal test output"
echo "$OUT"

# --- threads cancelled inside intercepted calls -----------------------------
# While threads that make intercepted calls are cancelled at random moments,
# the table keeps changing (each change makes a thread refresh the shim's
# copy); afterwards the process still follows a change and can fork. Not
# under ASan: it does not unpoison the frames a cancellation unwinds, and
# reports the next use of that stack (a thread-exit destructor) as an
# underflow; plain and TSan runs cover it.
[[ ${CS_SANITIZER:-} == asan ]] && exit 0
bg run 60 "$LIFE" cancel 3 >cancel.out 2>cancel.err
cancel_pid=$BG_PID
for ((i = 0; i < 2000; i++)); do
	"$CTL" -s "$SEG" set slow delay_ms=$((i % 2 + 1)) >/dev/null || fail "set failed"
	grep -q '^cancelled' cancel.out && break
done
wait_line cancel.out 0 '^cancelled [0-9]+$' 30
"$CTL" -s "$SEG" disable skew >/dev/null || fail "disable failed"
wait_line cancel.out 0 '^unskewed$' 15
wait_line cancel.out 0 '^forked$' 15
wait "$cancel_pid" || fail "cancel: exit status $?: $(cat cancel.err)"
"$CTL" -s "$SEG" enable skew >/dev/null || fail "enable failed"
echo "$(head -n 1 cancel.out)"
