# add and remove: a rule given on the command line changes a running
# python3 client at once, fails it as a real refused connect does, and
# leaves with remove; the other rules keep their counters throughout.
. "$(dirname "$0")/lib.sh"

start_echo_server
closed_port=$(free_port)
cat >base.cfg <<CFG
rules = (
  { name = "elsewhere"; calls = ["connect"]; peer = "127.0.0.1:$closed_port"; probability = 0.0; fault = "reset"; },
  { name = "sends"; calls = ["send"]; probability = 0.0; fault = "error"; errno = "EINTR"; }
);
CFG

ctl() {
	"$CTL" -s "$seg" "$@" || fail "chaos-shim-ctl -s $seg $* failed: $(cat ctl.err 2>/dev/null)"
}

# Waits for the loop's log to show $1 (ok or err) on every line of the
# next half second.
expect_steady() {
	local want=$1 what=$2 mark seen
	mark=$(lines_of loop.log)
	wait_line loop.log "$mark" "^$want "
	mark=$(lines_of loop.log)
	sleep 0.5
	seen=$(lines_after loop.log "$mark" | cut -d' ' -f1 | sort | uniq -c | tr -s ' ' | tr '\n' ';')
	assert_match "^ ?[0-9]+ $want;$" "$seen" "$what (counts of ok/err over 0.5 s)"
}

new_segment; seg=$SEG
ctl load base.cfg
# One connect to the closed port counts for "elsewhere", and shows what a
# really refused connect looks like to the client.
under_segment "$seg" python3 "$PROGS/tcp_client.py" "$closed_port" --times 1 >real.log
real=$(cut -d' ' -f1-3 real.log)
assert_eq 1 "$(stat_of "$seg" elsewhere matched)" "elsewhere's matches after one connect"

bg env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$seg" \
	python3 -u "$PROGS/tcp_client.py" "$ECHO_PORT" --times 0 --interval 0.05 >loop.log 2>loop.err
expect_steady ok "before add"

rule="{ name = \"echo-down\"; calls = [\"connect\"]; peer = \"*:$ECHO_PORT\"; fault = \"reset\"; }"
ctl add "$rule"
expect_steady err "after add"
assert_eq "$real" "$(tail -n 1 loop.log | cut -d' ' -f1-3)" "what the client sees: injected against a real refused connect"
assert_num "$(stat_of "$seg" echo-down injected)" '>' 0 "echo-down's injections"

# Same checks and messages as load.
assert_exit 1 "$CTL" -s "$seg" add "$rule"
assert_eq "chaos-shim-ctl: rule 'echo-down' already exists in segment '$seg'" "$ERR" "add of an existing name"
echo 'rules = ( { name = "slow"; calls = ["connect"]; fault = "latency"; dealy_ms = 5; } );' >typo.cfg
assert_exit 1 "$CTL" -s "$seg" load typo.cfg
assert_eq "chaos-shim-ctl: unknown key 'dealy_ms' in rule 'slow' (typo.cfg:1)" "$ERR" "load's message"
assert_exit 1 "$CTL" -s "$seg" add '{ name = "slow"; calls = ["connect"]; fault = "latency"; dealy_ms = 5; }'
assert_eq "chaos-shim-ctl: unknown key 'dealy_ms' in rule 'slow' (add:1)" "$ERR" "add's message for the same rule"
assert_exit 1 "$CTL" -s "$seg" add '{ name = "a"; calls = ["recv"]; fault = "eof"; }, { name = "b"; calls = ["recv"]; fault = "eof"; }'
assert_match "^chaos-shim-ctl: (expected one rule|unknown fault)" "$ERR" "add of two rules"
assert_exit 2 "$CTL" -s "$seg" add
assert_exit 1 "$CTL" -s "$seg" remove echo-down no-such-rule
assert_eq "chaos-shim-ctl: no rule 'no-such-rule' in segment '$seg'" "$ERR" "remove of an unknown rule"
expect_steady err "after a failed remove (all or nothing)"

# "sends" moves from the second place to the first when "elsewhere" goes:
# its counter goes with it, and elsewhere's single match does not. Paused,
# nothing counts meanwhile.
ctl pause
sends=$(stat_of "$seg" sends matched)
assert_num "$sends" '>' 5 "sends' matches while the loop ran"
ctl remove elsewhere echo-down
assert_eq "$sends" "$(stat_of "$seg" sends matched)" "sends' matches after the rules before it left"
ctl resume
expect_steady ok "after remove"
"$CTL" -s "$seg" stats --json >after.json
assert_eq '["sends"]' "$(python3 -c 'import json; print(json.dumps([r["name"] for r in json.load(open("after.json"))["rules"]]))')" "rules left"

# A rule added back starts from zero.
ctl add "{ name = \"elsewhere\"; calls = [\"connect\"]; peer = \"127.0.0.1:$closed_port\"; probability = 0.0; fault = \"reset\"; }"
assert_eq 0 "$(stat_of "$seg" elsewhere matched)" "matches of a rule added again"
[[ ! -s loop.err ]] || fail "program stderr: expected nothing, seen '$(cat loop.err)'"
echo "ok"
