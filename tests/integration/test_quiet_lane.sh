# Calls on an fd that no rule can match skip the rules (the quiet lane):
# an fd number that was a file and becomes a targeted connection, and a
# rule enabled while connections are open, must still be faulted, and a
# connection the rule does not name must not.
. "$(dirname "$0")/lib.sh"

start_echo_server
target=$ECHO_PORT
start_echo_server
other=$ECHO_PORT
new_segment
# "elsewhere" keeps the recv family armed while "cut" is disabled, so the
# calls before the change already take the quiet lane.
cat >r.cfg <<CFG
rules = (
  { name = "cut"; enabled = false; calls = ["recv"];
    peer = "127.0.0.1:$target"; fault = "reset"; },
  { name = "elsewhere"; calls = ["recv"]; peer = "10.255.255.1:1";
    fault = "latency"; delay_ms = 100; }
);
CFG
"$CTL" -s "$SEG" load r.cfg || fail "cannot load the profile"

out=$(under_segment "$SEG" python3 "$PROGS/quiet_fd.py" "$CTL" "$SEG" cut "$target" "$other" | tr '\n' ' ')
assert_eq "same-number True disabled-target ok disabled-other ok enabled-other ok enabled-target ConnectionResetError " \
	"$out" "steps on reused and live-changed fds"

# Enabled from the start: the number was a quiet file, then the target.
"$CTL" -s "$SEG" enable cut || fail "cannot enable the rule"
out=$(under_segment "$SEG" python3 "$PROGS/quiet_fd.py" "$CTL" "$SEG" cut "$target" "$other" | tr '\n' ' ')
assert_match "^same-number True disabled-target ConnectionResetError disabled-other ok enabled-other ok " \
	"$out" "a file's fd number reused by a targeted connection"
