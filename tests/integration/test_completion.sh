# Bash completion of chaos-shim-ctl: subcommands, installed profile names,
# segment names, the rule names read from a live segment or (sweep --rule)
# from the profile file.
. "$(dirname "$0")/lib.sh"

. "$CS_ROOT/tools/chaos-shim-ctl.bash"
complete_words() { # the words typed so far; the last is being completed
	COMP_WORDS=("$CTL" "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_chaos_shim_ctl
	printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd' '
}

assert_eq "pause profiles" "$(complete_words p)" "subcommands after 'p'"
assert_match '(^| )flaky-network( |$)' "$(complete_words run -p fl)" "profile names after run -p"
assert_match '(^| )slow-3g slow-dependency( |$)' "$(complete_words check slow)" "profile names after check"

new_segment
cat >rules.cfg <<'END'
rules = ( { name = "slow-db"; calls = ["connect"]; fault = "latency"; delay_ms = 1; },
          { name = "slow-api"; calls = ["recv"]; fault = "latency"; delay_ms = 1; } );
END
"$CTL" -s "$SEG" load rules.cfg || fail "load failed"
assert_eq "$SEG" "$(complete_words -s "${SEG:0:12}")" "segment names after -s"
assert_no_match '(^| )NAME( |$)' "$(complete_words -s N)" "list's header is no segment name"
assert_match '(^| )root( |$)' "$(complete_words -u roo)" "user names after -u"
assert_eq "--stale" "$(complete_words destroy --st)" "destroy's option"
assert_eq "slow-api slow-db" "$(complete_words -s "$SEG" enable slow)" "rule names after enable"
assert_eq "slow-api slow-db" "$(CHAOS_SHIM_SEGMENT=$SEG complete_words set slow)" "rule names from CHAOS_SHIM_SEGMENT"
assert_eq "slow-api slow-db" "$(complete_words -s "$SEG" remove slow)" "rule names after remove"
assert_eq "add" "$(complete_words ad)" "add after 'ad'"
assert_match '(^| )python3( |$)' "$(complete_words run -p x -- python)" "commands after run --"
assert_no_match 'python3' "$(complete_words run -p x python)" "no command before --"
assert_eq "--jobs --json" "$(complete_words sweep -p x --j)" "sweep's options"
assert_eq "--repeat" "$(complete_words bisect -p x --rep)" "bisect's options"
assert_eq "slow-api slow-db" "$(complete_words sweep -p rules.cfg --rule slow)" "rule names of the profile after sweep --rule"
assert_match '(^| )python3( |$)' "$(complete_words sweep -p rules.cfg -- python)" "commands after sweep --"
