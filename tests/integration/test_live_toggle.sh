# Live control: a running python3 loop changes behaviour at once when
# chaos-shim-ctl enables, disables, sets, pauses and resumes a rule, whether
# the profile was loaded before the program started or after.
. "$(dirname "$0")/lib.sh"

start_echo_server
cat >toggle.cfg <<CFG
rules = ( { name = "refuse"; enabled = false; calls = ["connect"];
            peer = "127.0.0.1:$ECHO_PORT"; fault = "error"; errno = "ECONNREFUSED"; } );
CFG

ctl() {
	"$CTL" -s "$seg" "$@" || fail "chaos-shim-ctl -s $seg $* failed"
}

# Waits for the loop's log to show $1 (ok or err), then checks that the
# next half second shows nothing else.
expect_steady() {
	local want=$1 what=$2 mark
	mark=$(lines_of loop.log)
	wait_line loop.log "$mark" "^$want "
	mark=$(lines_of loop.log)
	sleep 0.5
	local seen
	seen=$(lines_after loop.log "$mark" | cut -d' ' -f1 | sort | uniq -c | tr -s ' ' | tr '\n' ';')
	assert_match "^ ?[0-9]+ $want;$" "$seen" "$what (counts of ok/err over 0.5 s)"
}

start_loop() {
	bg env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$seg" \
		python3 -u "$PROGS/tcp_client.py" "$ECHO_PORT" --times 0 --interval 0.05 >loop.log 2>loop.err
	LOOP_PID=$BG_PID
}

# Load first, then start the program.
new_segment; seg=$SEG
ctl load toggle.cfg
start_loop
expect_steady ok "loaded with the rule disabled"

ctl status --json >status.json
python3 -c 'import json, sys; sys.exit(int(sys.argv[1]) not in json.load(open("status.json"))["pids"])' "$LOOP_PID" ||
	fail "status --json: expected pid $LOOP_PID among the attached pids, seen $(cat status.json)"

ctl enable refuse
expect_steady err "after enable"
assert_match '^err ConnectionRefusedError 111 ' "$(tail -n 1 loop.log)" "error the program sees"
ctl disable refuse
expect_steady ok "after disable"
ctl enable refuse
expect_steady err "after a second enable"
ctl set refuse probability=0
expect_steady ok "after set probability=0"
ctl set refuse probability=1
expect_steady err "after set probability=1"
ctl pause
expect_steady ok "after pause"
ctl resume
expect_steady err "after resume"
kill "$LOOP_PID"

# Start the program first: the shim creates the segment, empty.
new_segment; seg=$SEG
start_loop
expect_steady ok "program attached to a segment that did not exist"
file=$(seg_file "$seg")
[[ -f $file ]] || fail "segment file $file: expected the shim to create it, seen nothing"
assert_eq 600 "$(stat -c %a "$file")" "mode of the segment the shim created"
ctl load toggle.cfg
expect_steady ok "after load with the rule disabled"
ctl enable refuse
expect_steady err "after enable on a segment loaded late"
ctl disable --all
expect_steady ok "after disable --all"
[[ ! -s loop.err ]] || fail "program stderr: expected nothing, seen '$(cat loop.err)'"
