# chaos-shim-ctl run: exit status propagation, segment removal, --stats
# and the --log event log.
. "$(dirname "$0")/lib.sh"

cat >quiet.cfg <<CFG
rules = ( { name = "never"; calls = ["connect"]; peer = "192.0.2.1:9"; fault = "reset"; } );
CFG

assert_exit 3 "$CTL" run -p quiet.cfg -- sh -c 'exit 3'
assert_exit 0 "$CTL" run -- true
assert_exit 137 "$CTL" run -p quiet.cfg -- sh -c 'kill -KILL $$'
assert_exit 143 "$CTL" run -p quiet.cfg -- sh -c 'kill -TERM $$'
# The command's own output and the environment it gets.
assert_exit 0 "$CTL" run -p quiet.cfg -- sh -c 'echo "$LD_PRELOAD|${CHAOS_SHIM_SEGMENT:+set}"'
assert_match "libchaos-shim\.so\|set$" "$OUT" "LD_PRELOAD and CHAOS_SHIM_SEGMENT in the command"
LD_PRELOAD=libc.so.6 assert_exit 0 "$CTL" run -p quiet.cfg -- sh -c 'echo "$LD_PRELOAD"'
assert_match "libchaos-shim\.so.*libc\.so\.6" "$OUT" "LD_PRELOAD prepended to an existing value"
# A command that does not exist: an error, not a silent success.
assert_exit 127 "$CTL" run -p quiet.cfg -- ./no-such-program

# A static program is out of the shim's reach: run says so (Debian's
# ldconfig is statically linked).
if [[ -x /sbin/ldconfig ]]; then
	assert_exit 0 "$CTL" run -p quiet.cfg -- /sbin/ldconfig --version
	assert_contains "statically linked" "$ERR" "run's warning for a static program"
fi

# A named segment exists while the command runs and is gone afterwards.
new_segment; seg=$SEG
assert_exit 0 "$CTL" run -p quiet.cfg -s "$seg" -- sh -c "\"$CTL\" list"
assert_contains "$seg" "$OUT" "chaos-shim-ctl list while the command runs"
assert_exit 0 "$CTL" list
assert_no_match "(^|[^A-Za-z0-9._-])$seg([^A-Za-z0-9._-]|$)" "$OUT" "chaos-shim-ctl list after run"
[[ ! -e $(seg_file "$seg") ]] || fail "segment file $(seg_file "$seg"): expected removed after run, seen it"
# ... also when the command was killed.
assert_exit 137 "$CTL" run -p quiet.cfg -s "$seg" -- sh -c 'kill -KILL $$'
[[ ! -e $(seg_file "$seg") ]] || fail "segment file after a killed command: expected removed, seen it"

# --stats and --log on a run with known numbers: 4 connects, the 2nd and
# 3rd refused (after = 1, count = 2).
start_echo_server
cat >counted.cfg <<CFG
rules = (
  { name = "refuse-two"; calls = ["connect"]; peer = "127.0.0.1:$ECHO_PORT";
    after = 1; count = 2; fault = "reset"; },
  { name = "idle-rule"; calls = ["recv"]; peer = "192.0.2.1:9"; fault = "reset"; }
);
CFG
assert_exit 0 "$CTL" run -p counted.cfg --stats --log events.jsonl -- \
	python3 "$PROGS/tcp_client.py" "$ECHO_PORT" --times 4
assert_eq "ok err err ok" "$(cut -d' ' -f1 <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')" "attempt results"
# The summary's layout is free; the rule's line must carry matched, then injected.
numbers() { grep -oE '[0-9]+' <<<"$1" | tr '\n' ' ' | sed 's/ $//'; }
line=$(grep 'refuse-two' <<<"$ERR") || fail "--stats: expected a line for rule 'refuse-two', seen '$ERR'"
assert_match 'matched' "${ERR,,}" "--stats names the matched column"
assert_match 'injected' "${ERR,,}" "--stats names the injected column"
assert_eq "4 2" "$(numbers "$line")" "--stats numbers (matched injected) of refuse-two in '$line'"
line=$(grep 'idle-rule' <<<"$ERR") || fail "--stats: expected a line for rule 'idle-rule', seen '$ERR'"
assert_eq "0 0" "$(numbers "$line")" "--stats numbers (matched injected) of idle-rule in '$line'"

[[ -f events.jsonl ]] || fail "--log events.jsonl: expected the file, seen nothing"
out=$(python3 "$PROGS/check_events.py" events.jsonl) || fail "event log: $out"
assert_eq "2 reset,reset" "$out" "events in the log"
assert_contains "\"peer\":\"127.0.0.1:$ECHO_PORT\"" "$(cat events.jsonl)" "peer in the event log"
assert_contains '"rule":"refuse-two"' "$(head -n 1 events.jsonl)" "rule in the event log"
assert_contains '"call":"connect"' "$(head -n 1 events.jsonl)" "call in the event log"
