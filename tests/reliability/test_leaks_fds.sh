# Leaks and descriptors: valgrind's memcheck finds no definite leak in
# chaos-shim-ctl's subcommands nor in programs under the shim; and a
# program under the shim has no descriptor of the shim's open except the
# event log, which is close-on-exec, and under CHAOS_SHIM_PROFILE the
# profile's private segment, which exec'd programs inherit on purpose.
. "$(dirname "$0")/../integration/lib.sh"

BIN=$CS_BUILD/reliability
cat >log.cfg <<'CFG'
log = "events.jsonl";
rules = ( { name = "cut"; calls = ["send", "recv"]; fault = "slice"; max_bytes = 1; },
          { name = "skew"; calls = ["clock"]; fault = "clock_skew"; offset_s = 30; } );
CFG

# --- descriptors -------------------------------------------------------------------
# fds_of VAR=VALUE...: runs `life hold` with the given environment and
# prints its descriptors above 2 as "N -> target flags".
fds_of() {
	rm -f release ready.out
	bg env "$@" "$BIN/life" hold release >ready.out
	local pid=$BG_PID fd
	wait_line ready.out 0 '^ready ' 10
	for fd in /proc/$pid/fd/*; do
		fd=${fd##*/}
		((fd > 2)) || continue
		echo "$fd -> $(readlink "/proc/$pid/fd/$fd") $(sed -n 's/^flags:\t*//p' "/proc/$pid/fdinfo/$fd")"
	done
	touch release
	wait "$pid"
}
new_segment
"$CTL" -s "$SEG" load log.cfg >/dev/null || fail "load failed"
# What the program inherits from the test's shell is not the shim's.
fds_of LD_PRELOAD= | sort >inherited
for how in segment profile; do
	rm -f events.jsonl
	if [[ $how == segment ]]; then
		fds_of LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG"
	else
		fds_of LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=log.cfg
	fi | sort >seen
	fds=$(comm -13 inherited seen)
	echo "$how: ${fds:-none}"
	if [[ $how == profile ]]; then
		# The profile's private segment, handed to exec'd programs on
		# purpose (not close-on-exec), named in the environment.
		assert_match "^1[0-9][0-9] -> /memfd:chaos-shim \(deleted\) [0-7]*[0145][0-7]{6}$" \
			"$(grep memfd <<<"$fds")" "$how: the private segment, inherited across exec"
		fds=$(grep -v memfd <<<"$fds")
	fi
	assert_eq 1 "$(grep -c . <<<"$fds")" "$how: descriptors beyond stdio ($fds)"
	assert_match "-> $PWD/events.jsonl [0-7]*2[0-7]{6}$" "$fds" "$how: the event log, close-on-exec"
	[[ -s events.jsonl ]] || fail "$how: no event was logged"
done

# --- valgrind -------------------------------------------------------------------------
# Valgrind and the sanitizers' shadow memory cannot share a process.
[[ -z ${CS_SANITIZER:-} ]] || exit 0
need valgrind
memcheck() {
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --error-exitcode=99 "$@" >vg.out 2>vg.err
	local rc=$?
	[[ $rc != 99 ]] || fail "valgrind: errors in '$*': $(head -c 3000 vg.err)"
	return $rc
}
new_segment
memcheck "$CTL" check "$PROFILES"/*.cfg || fail "check failed: $(cat vg.err)"
memcheck "$CTL" -s "$SEG" load log.cfg || fail "load failed"
for args in "status" "status --json" "stats --json" "set cut max_bytes=2" \
	"disable --all" "enable cut" "pause" "resume" "stats --reset" "list"; do
	memcheck "$CTL" -s "$SEG" $args || fail "$args failed: $(cat vg.err)"
done
memcheck "$CTL" -s "$SEG" load "$PROFILES/no-such.cfg" && fail "load of a missing profile worked"
memcheck "$CTL" -s "$SEG" add '{ name = "added"; calls = ["recv"]; fault = "reset"; }' ||
	fail "add failed: $(cat vg.err)"
memcheck "$CTL" -s "$SEG" add '{ name = "added"; calls = ["recv"]; fault = "reset"; }' &&
	fail "add of an existing rule worked"
memcheck "$CTL" -s "$SEG" remove added || fail "remove failed: $(cat vg.err)"
memcheck "$CTL" run -p log.cfg -- true || fail "run failed: $(cat vg.err)"
memcheck "$CTL" sweep -p log.cfg --rule skew -j 2 -- date || fail "sweep failed: $(cat vg.err)"
memcheck "$CTL" bisect -p log.cfg --seed 1 -j 2 -- sh -c 'date; exit 1' ||
	fail "bisect failed: $(cat vg.out vg.err)"
# Programs under the shim: threads that come and go, and every call once.
memcheck env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" "$BIN/life" threads 128 ||
	fail "life threads under valgrind: $(cat vg.err)"
memcheck env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=log.cfg "$BIN/errnos" ||
	fail "errnos under valgrind: $(cat vg.err)"
memcheck "$CTL" -s "$SEG" destroy || fail "destroy failed"
