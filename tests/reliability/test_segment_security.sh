# Segment security: a segment owned by another user, or open to group or
# others, is refused by chaos-shim-ctl and by the shim; bad names are
# refused before any file is touched; segments are created mode 0600
# whatever the umask; a symbolic link planted at a segment's path is never
# followed; and the shim does nothing in a secure-execution (setuid)
# program. Needs root for chown and setuid; skipped otherwise.
. "$(dirname "$0")/../integration/lib.sh"

(($(id -u) == 0)) || { echo "skipped: needs root (chown, setuid)" >&2; exit 77; }
BIN=$CS_BUILD/reliability
cat >skew.cfg <<'CFG'
rules = ( { name = "skew"; calls = ["clock"]; fault = "clock_skew"; offset_s = 86400; } );
CFG
# The shim's verdict on a segment: its stderr, and whether time() is skewed.
shim_on() {
	env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$1" "$BIN/ctor" 2>&1 | grep -v '^ctor-lib'
}

# --- owner and mode ------------------------------------------------------------
new_segment
"$CTL" -s "$SEG" load skew.cfg >/dev/null || fail "load failed"
assert_match 'main skew=86400' "$(shim_on "$SEG")" "a good segment applies"
file=$(seg_file "$SEG")
chown 65534 "$file"
assert_exit 1 "$CTL" -s "$SEG" load skew.cfg
assert_match "segment '$SEG' belongs to uid 65534" "$ERR" "load on a segment of another user"
assert_exit 1 "$CTL" -s "$SEG" status
out=$(shim_on "$SEG")
assert_match 'belongs to uid 65534; calls pass through' "$out" "the shim on a segment of another user"
assert_match 'main skew=0' "$out" "calls pass through"
chown 0 "$file"
for mode in 0640 0604 0620 0602 0660; do
	chmod "$mode" "$file"
	assert_exit 1 "$CTL" -s "$SEG" enable skew
	assert_match "is open to other users \\(mode $mode\\)" "$ERR" "ctl on mode $mode"
	out=$(shim_on "$SEG")
	assert_match "is open to other users .*calls pass through" "$out" "the shim on mode $mode"
	assert_match 'main skew=0' "$out" "calls pass through on mode $mode"
done
chmod 0600 "$file"

# --- names ----------------------------------------------------------------------
before=$(ls /dev/shm | sort)
long=$(printf 'n%.0s' {1..64})
for name in ../etc "a/b" .. .hidden "$long" "" "a b" $'a\nb'; do
	assert_exit 2 "$CTL" -s "$name" load skew.cfg # bad usage
	assert_match 'segment name' "$ERR" "name '$name' refused"
	out=$(shim_on "$name")
	[[ -z $name ]] || assert_match 'segment name.*calls pass through' "$out" "the shim on name '$name'"
done
# Other suites may run beside this one: only names that are not the
# test segments' own pattern count.
added=$(comm -13 <(echo "$before") <(ls /dev/shm | sort) |
	grep -Ev '^chaos-shim\.[0-9]+\.(it-[0-9]+-[0-9]+|(run|sweep|bisect)-[0-9]+-[0-9a-f]{8}(-[0-9]+)?)$')
assert_eq "" "$added" "files in /dev/shm after bad names"

# --- creation: mode 0600 whatever the umask ---------------------------------------
new_segment
(umask 000 && "$CTL" -s "$SEG" load skew.cfg >/dev/null) || fail "load failed"
assert_eq "600 $(id -u)" "$(stat -c '%a %u' "$(seg_file "$SEG")")" "mode and owner of a new segment under umask 000"

# --- planted symbolic links are not followed -----------------------------------------
echo "precious" >target
chmod 600 target
for kind in existing dangling; do
	new_segment
	if [[ $kind == existing ]]; then
		ln -s "$PWD/target" "$(seg_file "$SEG")"
	else
		ln -s "$PWD/nothing-here" "$(seg_file "$SEG")"
	fi
	assert_exit 1 "$CTL" -s "$SEG" load skew.cfg
	assert_match 'is a symbolic link' "$ERR" "load through a $kind link"
	out=$(shim_on "$SEG")
	assert_match 'is a symbolic link; calls pass through' "$out" "the shim through a $kind link"
done
assert_eq precious "$(cat target)" "content of the link's target"
[[ ! -e nothing-here ]] || fail "a dangling link's target was created"

# --- secure execution: a setuid program ignores the shim's environment --------------
# Run as nobody, a copy owned by root with the setuid bit gets AT_SECURE;
# the same copy without the bit does not. The probe dlopens the shim by
# path (LD_PRELOAD is dropped in secure mode anyway), so the shim's own
# AT_SECURE check is what is tested.
need setpriv
chmod 755 "$PWD"
cp "$CS_BUILD/libchaos-shim.so" shim.so
cp "$BIN/secure_probe" probe-setuid
cp "$BIN/secure_probe" probe-plain
chmod 644 skew.cfg
chmod 755 shim.so probe-plain
chown 0:0 probe-setuid
chmod 4755 probe-setuid
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env CHAOS_SHIM_PROFILE="$PWD/skew.cfg" "$@"
}
assert_exit 0 as_nobody ./probe-plain "$PWD/shim.so"
assert_eq "secure=0 skew=86400" "$OUT" "plain program as nobody: the profile applies"
assert_exit 0 as_nobody ./probe-setuid "$PWD/shim.so"
assert_eq "secure=1 skew=0" "$OUT" "setuid program as nobody: the shim stays out"

# --- a program that drops privileges after attaching stays attached ---------
# nginx, apache and postgres start as root and drop to another uid: the
# owner is checked when the shim attaches, not at every later look, so the
# rule reaches the program after the drop, its forked worker, and follows a
# live change made afterwards. A program it then execs runs as the new uid
# from the start: it does not attach to root's segment.
new_segment
"$CTL" -s "$SEG" load skew.cfg >/dev/null || fail "load failed"
rm -f go
bg env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" "$BIN/dropuid" 65534 "$PWD/go" "$BIN/ctor" >drop.out 2>drop.err
drop_pid=$BG_PID
wait_line drop.out 0 '^worker skew=' 10
assert_eq "dropped uid=65534 skew=86400" "$(sed -n 1p drop.out)" "the program after the drop"
assert_eq "worker skew=86400" "$(sed -n 2p drop.out)" "its worker"
"$CTL" -s "$SEG" set skew offset_s=3600 >/dev/null || fail "set failed"
touch go
wait "$drop_pid" || fail "dropuid: exit status $?: $(cat drop.err)"
assert_eq "after skew=3600" "$(sed -n 3p drop.out)" "a live change after the drop"
assert_match 'ctor-prog: main skew=0' "$(cat drop.err)" "the program exec'd as uid 65534"
assert_eq "chaos-shim: segment '$SEG' of uid 0 belongs to another user than this program (uid 65534), which changed its uid after its parent attached; calls pass through" \
	"$(grep chaos-shim: drop.err)" "what the shim says, once"

# --- root addresses another user's segments with -u -------------------------
as_nobody_ctl() {
	setpriv --reuid=65534 --regid=65534 --clear-groups ./ctl "$@"
}
cp "$CTL" ctl
chmod 755 ctl
new_segment
nobody_file=/dev/shm/chaos-shim.65534.$SEG
assert_exit 0 as_nobody_ctl -s "$SEG" load skew.cfg
assert_eq "600 65534" "$(stat -c '%a %u' "$nobody_file")" "mode and owner of nobody's segment"
assert_exit 1 "$CTL" -s "$SEG" status
assert_match "segment '$SEG' does not exist" "$ERR" "root's own name space does not hold it"
assert_exit 0 "$CTL" -u nobody -s "$SEG" status --json
assert_match "\"segment\":\"$SEG\"" "$OUT" "root reads nobody's segment by name"
assert_exit 0 "$CTL" -u 65534 -s "$SEG" set skew offset_s=60
assert_exit 0 as_nobody_ctl -s "$SEG" status
assert_match 'offset_s[ =]+60' "$OUT" "nobody sees root's change"
assert_exit 0 "$CTL" -u nobody list
assert_match "$SEG" "$OUT" "root lists nobody's segments"
assert_exit 1 as_nobody_ctl -u root -s "$SEG" status
assert_match "cannot open segment '$SEG' of uid 0: Permission denied|segment '$SEG' of uid 0 does not exist" "$ERR" "nobody addressing root's segments"
assert_exit 2 "$CTL" -u no-such-user-here list
assert_match "no such user 'no-such-user-here'" "$ERR" "an unknown user"
assert_exit 2 "$CTL" -u nobody run -- true
assert_match "-u does not apply" "$ERR" "run makes a segment of the caller's own"
assert_exit 0 "$CTL" -u nobody -s "$SEG" destroy
[[ ! -e $nobody_file ]] || fail "root's destroy left nobody's segment"
# Root may create one for another user, who then owns it and attaches to it.
assert_exit 0 "$CTL" -u nobody -s "$SEG" load skew.cfg
assert_eq "600 65534" "$(stat -c '%a %u' "$nobody_file")" "a segment root made for nobody"
assert_exit 0 setpriv --reuid=65534 --regid=65534 --clear-groups \
	env LD_PRELOAD="$PWD/shim.so" CHAOS_SHIM_SEGMENT="$SEG" ./probe-plain "$PWD/shim.so"
assert_match "skew=86400" "$OUT" "nobody's program on the segment root made for it"
assert_exit 0 "$CTL" -u nobody -s "$SEG" destroy
