# bisect reduces what a seed of a flaky profile (30 % of connects refused)
# did to a client that tries a failed request once more, except the third,
# down to one or two faults: the third request refused, or a request and
# its second try. The printed profile, given to `run -p`, fails the client
# again; a seed under which the client passes has nothing to bisect.
. "$(dirname "$0")/lib.sh"

client=(python3 "$PROGS/retry_client.py")
start_http_server
cat >flaky.cfg <<CFG
rules = ( { name = "flaky"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT";
            probability = 0.3; fault = "reset"; } );
CFG

# Seeds under which the client fails after several faults, and one under
# which it passes.
failing=() passing=
for seed in $(seq 1 80); do
	"$CTL" run -p flaky.cfg --seed "$seed" --stats -- "${client[@]}" "$HTTP_PORT" --requests 10 \
		>/dev/null 2>stats.err
	rc=$?
	injected=$(awk '$1 == "flaky" { print $4 }' stats.err)
	if ((rc == 0)); then
		passing=${passing:-$seed}
	elif ((rc == 1 && injected >= 3)); then
		failing+=("$seed")
	fi
	((${#failing[@]} >= 2)) && [[ -n $passing ]] && break
done
((${#failing[@]} >= 2)) || fail "no two seeds of 80 fail the client after 3 faults or more"

for seed in "${failing[@]}"; do
	assert_exit 0 noting_pid "$CTL" bisect -p flaky.cfg --seed "$seed" -j 2 -- "${client[@]}" "$HTTP_PORT" --requests 10
	echo "$OUT" >"min$seed.cfg"
	faults=$(grep -c "^#   rule 'flaky' at its match" "min$seed.cfg")
	assert_num "$faults" '>=' 1 "faults left by bisect of seed $seed: $OUT"
	assert_num "$faults" '<=' 2 "faults left by bisect of seed $seed: $OUT"
	assert_contains "it failed 5 times" "$OUT" "repeated runs of the minimal set (one process: no race)"
	"$CTL" run -p "min$seed.cfg" -- "${client[@]}" "$HTTP_PORT" --requests 10 >"run$seed.out" 2>&1
	assert_eq 1 $? "client under the printed profile of seed $seed (output: $(tr '\n' '|' <"run$seed.out"))"
done

# The same as JSON: the seed's faults, the minimal set within them in
# number, and the profile.
seed=${failing[0]}
assert_exit 0 noting_pid "$CTL" bisect -p flaky.cfg --seed "$seed" --repeat 3 --json -- "${client[@]}" "$HTTP_PORT" --requests 10
python3 - "$OUT" <<'PY' || fail "bisect --json: $OUT"
import json, sys
doc = json.loads(sys.argv[1])
assert doc["status"] == 1 and len(doc["injections"]) >= 3, doc
assert 1 <= len(doc["minimal"]) <= 2, doc["minimal"]
assert (doc["repeats"], doc["reproduced"]) == (3, 3), doc
assert "at = [" in doc["profile"], doc["profile"]
PY

[[ -n $passing ]] || fail "no seed of 80 lets the client pass"
assert_exit 1 noting_pid "$CTL" bisect -p flaky.cfg --seed "$passing" -- "${client[@]}" "$HTTP_PORT" --requests 10
assert_contains "passes under seed $passing" "$ERR" "bisect of a passing seed"
assert_exit 2 "$CTL" bisect -p flaky.cfg -- true
assert_no_segments_left bisect
exit 0
