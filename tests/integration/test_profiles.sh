# `profiles` lists the scenario profiles beside the tool, and a bare NAME
# finds one of them for run, load and check; a file of that name in the
# current directory comes first.
. "$(dirname "$0")/lib.sh"

assert_exit 0 "$CTL" profiles
assert_eq "$(ls "$PROFILES"/*.cfg | wc -l)" "$(grep -vc '^#' <<<"$OUT")" "one line per profile"
assert_match $'\nflaky-network +a network that mostly works' "$OUT" "flaky-network's line"

assert_exit 0 "$CTL" check flaky-network udp-loss.cfg
assert_match '/profiles/flaky-network.cfg: ok' "$OUT" "a bare name"
assert_match '/profiles/udp-loss.cfg: ok' "$OUT" "a bare file name"

echo 'rules = ( { name = "mine"; calls = ["dns"]; fault = "error"; errno = "EAI_AGAIN"; } );' >flaky-network
assert_exit 0 "$CTL" check flaky-network
assert_eq "flaky-network: ok (1 rule)" "$OUT" "a file in the current directory first"

assert_exit 1 "$CTL" check no-such-profile
assert_match "no-such-profile" "$ERR" "an unknown name"

new_segment
assert_exit 0 "$CTL" run -s "$SEG" -p udp-loss --stats -- true
assert_match 'udp-loss' "$ERR" "run -p NAME loads the installed profile"
