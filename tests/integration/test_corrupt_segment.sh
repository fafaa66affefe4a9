# A segment overwritten with garbage while a program runs: the program keeps
# working with its calls passed through, and the shim says so at most once.
. "$(dirname "$0")/lib.sh"

start_echo_server
cat >refuse.cfg <<CFG
rules = ( { name = "refuse"; calls = ["connect", "send", "recv"];
            peer = "127.0.0.1:$ECHO_PORT"; fault = "reset"; } );
CFG

# corrupt random|ones: runs a loop refused by the rule, overwrites its
# segment in place with random bytes or 0xff bytes, and checks that the
# loop's calls then pass through. The loop's stderr is in NAME.err.
corrupt() {
	local name=$1 seg file size mark seen loop
	new_segment; seg=$SEG
	"$CTL" -s "$seg" load refuse.cfg || fail "chaos-shim-ctl load failed"
	bg env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$seg" \
		python3 -u "$PROGS/tcp_client.py" "$ECHO_PORT" --times 0 --interval 0.05 >"$name.log" 2>"$name.err"
	loop=$BG_PID
	wait_line "$name.log" 0 '^err ConnectionRefusedError '

	file=$(seg_file "$seg")
	size=$(stat -c %s "$file")
	if [[ $name == ones ]]; then
		head -c "$size" /dev/zero | tr '\000' '\377'
	else
		head -c "$size" /dev/urandom
	fi >"$name.bin"
	dd if="$name.bin" of="$file" conv=notrunc status=none || fail "could not overwrite $file"
	assert_eq "$size" "$(stat -c %s "$file")" "size of the overwritten segment"
	mark=$(lines_of "$name.log")
	wait_line "$name.log" "$mark" '^ok n=16 .*intact=yes'
	mark=$(lines_of "$name.log")
	sleep 0.5
	seen=$(lines_after "$name.log" "$mark" | cut -d' ' -f1 | sort -u | tr '\n' ' ')
	assert_eq "ok " "$seen" "$name: attempts after the corruption (all passed through)"
	kill -0 "$loop" 2>/dev/null || fail "$name: the program died after the corruption"
	if [[ -s $name.err ]]; then
		assert_eq 1 "$(grep -c . "$name.err")" "$name: lines on the program's stderr ($(cat "$name.err"))"
		assert_match '^chaos-shim: ' "$(cat "$name.err")" "$name: the shim's message"
	fi
}

# Random bytes: whether the shim notices depends on which families the
# garbage happens to mark as armed, so one line or none.
corrupt random

# All bits set: every family looks armed, the shim must look and refuse.
corrupt ones
assert_eq 1 "$(grep -c . ones.err)" "lines on the program's stderr after 0xff bytes ($(cat ones.err))"
