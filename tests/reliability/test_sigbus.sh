# SIGBUS and the program's own disposition. A program that sets its own
# SIGBUS handler, SIG_DFL or SIG_IGN after the shim attached still survives
# its segment being truncated (the shim's guard stays first), and reads back
# the disposition it set; every SIGBUS that is not the segment's reaches the
# program as it would without the shim: its handler runs, SIG_IGN ignores a
# `kill -BUS`, and the default action kills it (exit status 135 in a shell),
# exactly as the same program does without the shim.
. "$(dirname "$0")/../integration/lib.sh"

cat >uniq.cfg <<'CFG'
rules = ( { name = "uniq"; calls = ["send"]; fault = "error"; errno = "ENOTUNIQ"; } );
CFG

# bus.py MODE: sets SIGBUS to MODE (handler, default, ignore), says "ready",
# then makes intercepted calls until the file "stop" appears, and prints
# what it saw: calls that failed with ENOTUNIQ, calls that went through,
# handler runs, and whether the disposition read back is the one it set.
cat >bus.py <<'PY'
import os, signal, socket, sys
mode = sys.argv[1]
handled = 0
def handler(sig, frame):
    global handled
    handled += 1
want = {"handler": handler, "default": signal.SIG_DFL, "ignore": signal.SIG_IGN}[mode]
signal.signal(signal.SIGBUS, want)
# Python keeps its own copy; ask the C library through ctypes as well.
import ctypes
class SigAction(ctypes.Structure):
    _fields_ = [("handler", ctypes.c_void_p), ("mask", ctypes.c_ulong * 16),
                ("flags", ctypes.c_int), ("restorer", ctypes.c_void_p)]
old = SigAction()
ctypes.CDLL(None).sigaction(signal.SIGBUS, None, ctypes.byref(old))
readback = {"default": old.handler in (None, 0), "ignore": old.handler == 1,
            "handler": old.handler not in (None, 0, 1)}[mode]
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(("127.0.0.1", 0))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
uniq = through = 0
print("ready", os.getpid(), flush=True)
while not os.path.exists("stop"):
    try:
        s.sendto(b"x", r.getsockname())
        through += 1
    except OSError:
        uniq += 1
print("uniq", uniq > 0, "through", through > 0, "handled", handled, "readback", readback, flush=True)
PY

# run_bus NAME MODE ACTION: runs bus.py (under a fresh segment unless
# ACTION is plain-kill), does ACTION (truncate, kill) once it is ready,
# stops it, and sets RC and OUT.
run_bus() {
	local name=$1 mode=$2 action=$3 env=()
	rm -f stop
	new_segment
	"$CTL" -s "$SEG" load uniq.cfg >/dev/null || fail "load failed"
	[[ $action == plain-kill ]] || env=(LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG")
	bg env "${env[@]}" timeout -s KILL 30 python3 -u bus.py "$mode" >"$name.out" 2>"$name.err"
	local pid=$BG_PID
	wait_line "$name.out" 0 '^ready [0-9]+$' 10
	sleep 0.2
	case $action in
	truncate) truncate -s 0 "$(seg_file "$SEG")" ;;
	*kill) kill -BUS "$(sed -n 's/^ready //p' "$name.out")" ;;
	esac
	sleep 0.3
	touch stop
	wait "$pid"
	RC=$?
	OUT=$(sed -n 's/^uniq /uniq /p' "$name.out")
}

for mode in handler default ignore; do
	run_bus "trunc-$mode" "$mode" truncate
	assert_eq 0 "$RC" "$mode: exit status after the segment was truncated ($(cat "trunc-$mode.err"))"
	assert_eq "uniq True through True handled 0 readback True" "$OUT" "$mode: what the program saw"
	assert_contains "segment was truncated" "$(cat "trunc-$mode.err")" "$mode: the shim's message"
done

# kill -BUS: the same outcome with the shim as without it.
for mode in handler default ignore; do
	run_bus "plain-$mode" "$mode" plain-kill
	plain_rc=$RC plain_out=$OUT
	run_bus "kill-$mode" "$mode" kill
	assert_eq "$plain_rc" "$RC" "$mode: exit status after kill -BUS, as without the shim"
	[[ $mode == default ]] && assert_eq 135 "$RC" "default: killed by SIGBUS"
	[[ $mode == default ]] && continue
	assert_eq "uniq True through False ${plain_out#uniq False through True }" "$OUT" \
		"$mode: what the program saw after kill -BUS (without the shim: $plain_out)"
done
