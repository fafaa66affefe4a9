# Plain preload with CHAOS_SHIM_PROFILE, no control tool; a broken profile
# prints the compiler's error and the program runs untouched.
. "$(dirname "$0")/lib.sh"

start_echo_server
cat >refuse.cfg <<CFG
rules = ( { name = "refuse"; calls = ["connect"]; peer = "127.0.0.1:$ECHO_PORT";
            fault = "error"; errno = "ECONNREFUSED"; } );
CFG
assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=refuse.cfg \
	python3 "$PROGS/tcp_client.py" "$ECHO_PORT" --times 2
assert_match '^err ConnectionRefusedError 111 .*'$'\n''err ConnectionRefusedError 111 ' "$OUT" "two attempts under the profile"
assert_eq "" "$ERR" "stderr under a good profile"

# Children inherit the shim and the private profile.
assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=refuse.cfg \
	sh -c "python3 '$PROGS/tcp_client.py' $ECHO_PORT"
assert_match '^err ConnectionRefusedError 111 ' "$OUT" "a child process under the profile"

# Nothing set: the shim forwards everything.
assert_exit 0 env LD_PRELOAD="$SHIM" python3 "$PROGS/tcp_client.py" "$ECHO_PORT"
assert_match '^ok n=16 .*intact=yes' "$OUT" "preloaded with no profile and no segment"
assert_eq "" "$ERR" "stderr with no profile and no segment"

printf 'rules = (\n  { name = "typo"; calls = ["connect"];\n    fault = "latency"; dealy_ms = 5; }\n);\n' >bad.cfg
assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=bad.cfg \
	python3 "$PROGS/tcp_client.py" "$ECHO_PORT"
assert_match '^ok n=16 .*intact=yes' "$OUT" "program under a broken profile (passthrough)"
assert_eq 1 "$(grep -c . <<<"$ERR")" "lines on stderr under a broken profile ('$ERR')"
assert_match "^chaos-shim: .*dealy_ms.*'typo'.*bad\.cfg:3" "$ERR" "the compiler's error under a broken profile"

assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=missing.cfg \
	python3 "$PROGS/tcp_client.py" "$ECHO_PORT"
assert_match '^ok n=16 .*intact=yes' "$OUT" "program under a missing profile (passthrough)"
assert_match "^chaos-shim: .*missing\.cfg" "$ERR" "the error for a missing profile"
