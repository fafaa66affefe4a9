# run --trap on sendmmsg and recvmmsg: a statically linked program moving
# batches of UDP datagrams (progs/mmsg.c) gets the errors, kills, delays
# and drops the preload gives the dynamic build of the same program (same
# seed, same injected calls, same counters and event log); an idle trap
# changes nothing.
. "$(dirname "$0")/lib.sh"
build_static mmsg_static mmsg.c
cc -O1 -o mmsg_dyn "$PROGS/mmsg.c" || fail "cannot build progs/mmsg.c"
need_trap

# Runs the static build under the trap and the dynamic one under the
# preload, with profile $1, exit status $2 and the program's arguments:
# their outputs in trap.out and preload.out, the counters in *.stats,
# the event log's rule, call and fault of each line in *.events.
both() { # profile status args...
	local cfg=$1 status=$2 how prog
	shift 2
	for how in trap preload; do
		prog=./mmsg_static
		[[ $how == preload ]] && prog=./mmsg_dyn
		rm -f "$how.jsonl"
		assert_exit "$status" "$CTL" run -p "$cfg" --stats --log "$PWD/$how.jsonl" -- "$prog" "$@"
		echo "$OUT" >"$how.out"
		grep -E '^[a-z]+ +yes ' <<<"$ERR" >"$how.stats"
		touch "$how.jsonl"
		sed -E 's/.*"rule":("[^"]*").*"call":("[^"]*").*"fault":("[^"]*").*/\1 \2 \3/' \
			"$how.jsonl" >"$how.events"
	done
	assert_eq "$(cat preload.out)" "$(cat trap.out)" "$cfg $*: what the program saw, trap vs preload"
	assert_eq "$(cat preload.stats)" "$(cat trap.stats)" "$cfg $*: counters, trap vs preload"
	assert_eq "$(cat preload.events)" "$(cat trap.events)" "$cfg $*: event log, trap vs preload"
}

# An idle trap: send and recv rules armed that match nothing (the discard
# port), and the batches go as without the shim.
cat >idle.cfg <<CFG
rules = ( { name = "elsewhere"; calls = ["send", "recv"]; peer = "127.0.0.1:9"; fault = "error"; errno = "EIO"; } );
CFG
for args in send stream "rounds 3"; do
	want=$(./mmsg_dyn $args)
	assert_exit 0 "$CTL" run --trap -p idle.cfg -- ./mmsg_static $args
	assert_eq "$want" "$OUT" "mmsg $args under an idle trap"
done
assert_exit 0 "$CTL" run --trap -p idle.cfg -- ./mmsg_static recv
assert_match "^recvmmsg 8 sizes( 100){8} ms" "$OUT" "recvmmsg under an idle trap"

# Errors chosen by the seed among the batches sent and received: the same
# rounds fail the same way.
cat >flaky.cfg <<CFG
seed = 11;
rules = ( { name = "flaky"; calls = ["send", "recv"]; probability = 0.4; fault = "error"; errno = "EIO"; } );
CFG
both flaky.cfg 0 rounds 8
assert_match "sent error EIO" "$(cat trap.out)" "a sendmmsg failed under the trap"
assert_match "got error EIO" "$(cat trap.out)" "a recvmmsg failed under the trap"
assert_contains '"flaky" "sendmmsg" "error"' "$(cat trap.events)" "the event log names sendmmsg"
assert_contains '"flaky" "recvmmsg" "error"' "$(cat trap.events)" "the event log names recvmmsg"
# Batches of no message pass, uncounted.
both flaky.cfg 0 empty
assert_eq "sendmmsg 0 recvmmsg 0" "$(cat trap.out)" "batches of no message under the trap"

# From an unconnected socket, a batch goes where its first message's
# msg_name says: a peer rule sees that address, as under the preload.
cat >peer.cfg <<CFG
seed = 3;
rules = ( { name = "to-lo"; calls = ["send"]; peer = "127.0.0.1"; probability = 0.5; fault = "error"; errno = "EIO"; } );
CFG
both peer.cfg 0 rounds 6 to
assert_match "sent error EIO" "$(cat trap.out)" "a sendmmsg to 127.0.0.1 failed under the trap"
# And a sendmsg's (python3's socket.sendmsg, trapped on request).
cat >sendmsg.py <<'PY'
import socket
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind(("127.0.0.1", 0))
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for n in range(6):
    try:
        print(n, tx.sendmsg([b"x"], [], 0, rx.getsockname()))
    except OSError as e:
        print(n, e.strerror)
PY
assert_exit 0 "$CTL" run --trap -p peer.cfg -- python3 sendmsg.py
assert_eq "$(under_profile peer.cfg python3 sendmsg.py)" "$OUT" "python3's sendmsg to 127.0.0.1, trap vs preload"
assert_contains "Input/output error" "$OUT" "a sendmsg to 127.0.0.1 failed under the trap"

# kill at the third recvmmsg: two rounds, then SIGKILL.
cat >kill.cfg <<CFG
rules = ( { name = "kill3"; calls = ["recv"]; after = 2; fault = "kill"; signal = "KILL"; } );
CFG
both kill.cfg 137 rounds 4
assert_eq $'1 sent 2 of 100+100 got 2\n2 sent 2 of 100+100 got 2' "$(cat trap.out)" "rounds before the kill"

# The second batch sent is lost on its way: the sender is told both
# datagrams went, and nothing arrives.
cat >drop.cfg <<CFG
rules = ( { name = "lost"; calls = ["send"]; at = [2]; fault = "drop"; } );
CFG
both drop.cfg 0 rounds 3
assert_eq $'1 sent 2 of 100+100 got 2\n2 sent 2 of 100+100 got error EAGAIN\n3 sent 2 of 100+100 got 2' \
	"$(cat trap.out)" "a lost batch"

# A drop on a non-blocking TCP connection partitions it: the batches
# sent from then on vanish, reported sent whole, and nothing comes back.
start_echo_server
cat >partition.cfg <<CFG
rules = ( { name = "cut-off"; calls = ["send"]; proto = "tcp"; at = [2]; fault = "drop"; } );
CFG
both partition.cfg 0 rounds 3 tcp "$ECHO_PORT"
assert_eq $'2 sent 2 of 100+100 got error EAGAIN\n3 sent 2 of 100+100 got error EAGAIN' \
	"$(tail -n 2 trap.out)" "a partitioned connection's batches"

# A blocking recvmmsg 300 ms late, its datagrams whole.
cat >late.cfg <<CFG
rules = ( { name = "late"; calls = ["recv"]; fault = "latency"; delay_ms = 300; } );
CFG
for how in trap preload; do
	prog=./mmsg_static
	[[ $how == preload ]] && prog=./mmsg_dyn
	assert_exit 0 "$CTL" run -p late.cfg -- "$prog" recv
	assert_match "^recvmmsg 8 sizes( 100){8} ms" "$OUT" "$how: a late recvmmsg"
	assert_num "${OUT##* }" '>=' 280 "$how: ms of a recvmmsg 300 ms late"
	assert_num "${OUT##* }" '<' 5000 "$how: ms of a recvmmsg 300 ms late"
done

# A slice on a stream: the batch's first message goes, cut, as under the
# preload; one shorter than the slice goes whole, alone (the preload
# would fill the slice with the next messages).
cat >slice50.cfg <<CFG
rules = ( { name = "cut"; calls = ["send"]; fault = "slice"; max_bytes = 50; } );
CFG
assert_exit 0 "$CTL" check --trap slice50.cfg
both slice50.cfg 0 stream
assert_eq "sendmmsg 1 lens 50" "$(cat trap.out)" "sendmmsg on a stream under a 50-byte slice"
sed 's/max_bytes = 50/max_bytes = 250/' slice50.cfg >slice250.cfg
assert_exit 0 "$CTL" run --trap -p slice250.cfg -- ./mmsg_static stream
assert_eq "sendmmsg 1 lens 100" "$OUT" "sendmmsg on a stream under a 250-byte slice, trapped"
assert_eq "sendmmsg 3 lens 100 100 50" "$(under_profile slice250.cfg ./mmsg_dyn stream)" \
	"sendmmsg on a stream under a 250-byte slice, preloaded"
