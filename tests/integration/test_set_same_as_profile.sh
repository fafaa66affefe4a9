# `chaos-shim-ctl set` and a profile read a value with the same reader:
# the same table of good and bad values, given to `set RULE KEY=VALUE` and
# to `check` in a profile, is accepted by both or refused by both, and an
# accepted value shows the same in `status --json` either way.
. "$(dirname "$0")/lib.sh"

new_segment
base='calls = ["recv"]; fault = "latency";'
printf 'rules = ({ name = "r"; %s });\n' "$base" >base.cfg
assert_exit 0 "$CTL" -s "$SEG" load base.cfg

# param KEY VALUE: what status --json says rule r holds for KEY.
param() {
	"$CTL" -s "$SEG" status --json >status.json || fail "status --json failed"
	python3 -c 'import json, sys
print(json.dumps(json.load(open("status.json"))["rules"][0][sys.argv[1]]))' "$1"
}

# same GOOD KEY VALUE: both accept (GOOD=yes) or both refuse (GOOD=no).
same() {
	local good=$1 key=$2 value=$3 set_rc check_rc by_set by_profile
	assert_exit 0 "$CTL" -s "$SEG" load base.cfg
	"$CTL" -s "$SEG" set r "$key=$value" >/dev/null 2>set.err
	set_rc=$?
	by_set=$(param "$key")
	# The profile spells the key once: a calls value replaces the base's.
	local others=$base
	[[ $key == calls ]] && others='fault = "latency";'
	printf 'rules = ({ name = "r"; %s %s = %s; });\n' "$others" "$key" "$value" >one.cfg
	"$CTL" check one.cfg >/dev/null 2>check.err
	check_rc=$?
	if [[ $good == yes ]]; then
		assert_eq "0 0" "$set_rc $check_rc" "set and check of $key = $value ($(cat set.err check.err))"
		assert_exit 0 "$CTL" -s "$SEG" load one.cfg
		by_profile=$(param "$key")
		assert_eq "$by_profile" "$by_set" "$key = $value as status shows it after set and after load"
	else
		assert_eq "1 1" "$set_rc $check_rc" "set and check of $key = $value"
	fi
}

same yes probability 0.5
same yes probability 1e-1
same yes probability .25
same no probability 0x1p-1
same no probability nan
same no probability 1.5
same no probability '"0.5"'
same yes delay_ms 0x10
same yes delay_ms 10L
same no delay_ms 1.5
same no delay_ms 1e3
same no delay_ms -1
same no delay_ms 'true'
same yes enabled FALSE
same no enabled 1
same yes peer '"127.0.0.1:8080"'
same no peer '"10.0.0.300"'
same yes proto '"udp"'
same no proto '"sctp"'
same yes calls '["recv", "send"]'
same no calls '["recv", 1]'
same no calls '[]'

# Text keys may also be typed bare on the command line.
assert_exit 0 "$CTL" -s "$SEG" set r peer=127.0.0.1:8080 calls=recv,send
assert_eq '"127.0.0.1:8080"' "$(param peer)" "peer typed bare"
assert_eq '["send", "recv"]' "$(param calls)" "calls typed bare"
