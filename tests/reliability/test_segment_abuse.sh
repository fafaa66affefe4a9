# A live segment abused under a running program: overwritten with random
# bytes, truncated to nothing (the mapping then raises SIGBUS, which the
# shim catches), and swapped for one of another layout version. Each time
# the program keeps running, its calls pass through, and the shim says why
# in one line on stderr.
. "$(dirname "$0")/../integration/lib.sh"

LIFE=$CS_BUILD/reliability/life
cat >uniq.cfg <<'CFG'
rules = ( { name = "uniq"; calls = ["send"]; fault = "error"; errno = "ENOTUNIQ"; },
          { name = "skew"; calls = ["clock"]; fault = "clock_skew"; offset_s = 60; } );
CFG

# abuse NAME COMMAND...: starts `life loop` on a fresh segment, waits until
# the rule fails its sends, runs COMMAND on the segment file, and checks the
# last ticks are all passthrough.
abuse() {
	local name=$1 file mark pid
	shift
	new_segment
	"$CTL" -s "$SEG" load uniq.cfg >/dev/null || fail "load failed"
	bg env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" "$LIFE" loop >"$name.out" 2>"$name.err"
	pid=$BG_PID
	wait_line "$name.out" 0 '^tick ok=0 err=[1-9]' 10
	file=$(seg_file "$SEG")
	"$@" "$file" || fail "$name: could not abuse $file"
	mark=$(lines_of "$name.out")
	wait_line "$name.out" "$mark" '^tick ok=[1-9][0-9]* err=0$' 10
	mark=$(lines_of "$name.out")
	sleep 0.3
	wait_line "$name.out" "$mark" '^tick ok=[1-9][0-9]* err=0$' 10
	kill -0 "$pid" 2>/dev/null || fail "$name: the program died: $(cat "$name.err")"
	kill "$pid"
	wait "$pid" 2>/dev/null
	assert_eq 1 "$(grep -c . "$name.err")" "$name: lines on stderr ($(cat "$name.err"))"
	echo "$name: $(cat "$name.err")"
}

overwrite() { head -c "$(stat -c %s "$1")" /dev/urandom | dd of="$1" conv=notrunc status=none; }
# Random bytes may leave every family unarmed, which is passthrough without
# a word: make sure the armed mask (the low half of the state word at
# offset 64) says "look" so the shim has to notice.
overwrite_armed() {
	overwrite "$1"
	python3 - "$1" <<'PY'
import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(64)
    f.write(struct.pack("<I", 0xffffffff))
PY
}
truncate_it() { truncate -s 0 "$1"; }
# The same file, written by another chaos-shim: layout version 2 and one
# more publish (the high half of the state word), everything else intact.
other_version() {
	python3 - "$1" <<'PY'
import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(8)
    f.write(struct.pack("<I", 2))
    f.seek(64)
    gen = struct.unpack("<Q", f.read(8))[0]
    f.seek(64)
    f.write(struct.pack("<Q", gen + (1 << 32)))
PY
}

abuse random overwrite_armed
abuse truncated truncate_it
assert_match 'truncated' "$(cat truncated.err)" "message after truncation"
abuse version other_version
assert_match 'layout version 2' "$(cat version.err)" "message after a version swap"
