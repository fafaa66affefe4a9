# Attacks on what the shim holds back on non-blocking sockets
# (tests/reliability/progs/held.c), each compared with what a real slow
# network gives: a live disable, pause or destroy while data is held or
# sends are queued; errno after every readiness call with a hold; select
# with sets larger than FD_SETSIZE; a poll count over RLIMIT_NOFILE;
# EINTR in a shortened wait; bytes queued when the sender ends; epoll
# registrations added twice or left in a closed epoll set; forks while
# the flusher runs; threads cancelled inside held waits.
. "$(dirname "$0")/../integration/lib.sh"

HELD=$CS_BUILD/reliability/held
[[ -x $HELD ]] || fail "$HELD is missing (make reliability-bin)"

cat >recv.cfg <<'CFG'
rules = ( { name = "slow-recv"; calls = ["recv"]; proto = "tcp"; fault = "latency"; delay_ms = 1000; } );
CFG
cat >recv5.cfg <<'CFG'
rules = ( { name = "slow-recv"; calls = ["recv"]; proto = "tcp"; fault = "latency"; delay_ms = 5000; } );
CFG
cat >send.cfg <<'CFG'
rules = ( { name = "slow-send"; calls = ["send"]; proto = "tcp"; fault = "latency"; delay_ms = 300; } );
CFG

under() { # profile attack...
	local cfg=$1
	shift
	assert_exit 0 timeout -k 5 60 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE="$cfg" "$HELD" "$@"
}

# --- live changes while something is held ------------------------------------
# Runs ATTACK under a fresh segment loaded with PROFILE, once for each live
# change that disarms it; each run's output must be WANT.
after_each_change() { # profile attack want what
	local change
	for change in "disable --all" "pause" "destroy"; do
		new_segment
		"$CTL" -s "$SEG" load "$1" >/dev/null || fail "load failed"
		assert_exit 0 timeout -k 5 60 env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" \
			"$HELD" "$2" "$CTL" -s "$SEG" $change
		assert_match "$3" "$OUT" "$4 after '$change'"
		if [[ $2 == toggle ]]; then
			ms=$(sed -n 's/.*epoll 1 after \([0-9]*\) ms.*/\1/p' <<<"$OUT")
			((ms < 1500)) || fail "held data after '$change' shown after $ms ms, not at once"
		fi
	done
}

# Data held 5 s: after the change, epoll and poll show it at once, as recv
# (which passes through again) returns it. Before: epoll never did.
after_each_change recv5.cfg toggle \
	'^toggle: held 0, epoll 1 after [0-9]+ ms, poll 1 after [0-9]+ ms, recv 1$' "held data"
# Bytes queued by a send latency, then the change, then another send: in
# order, as TCP gives them. Before: "BA".
after_each_change send.cfg toggle-send '^toggle-send: peer got "AB"$' "the order of two sends"
# A connection kept aside by a 5 s accept latency, then the change: handed
# over at once. Before: never (accept passed the shim by).
cat >accept.cfg <<'CFG'
rules = ( { name = "slow-accept"; calls = ["accept"]; fault = "latency"; delay_ms = 5000; } );
CFG
after_each_change accept.cfg toggle-accept \
	'^toggle-accept: first kept aside, readable 1 at once, accepted yes$' "a connection kept aside"

# --- errno and the kernel's answers -------------------------------------------
assert_exit 0 "$HELD" errnos
plain=$OUT
under recv.cfg errnos
assert_eq "$plain" "$OUT" "errno after readiness calls, without and with a hold"

# A socket above FD_SETSIZE in a program's own larger bitmaps becomes
# readable after a held socket's due time ended a round of the wait.
assert_exit 0 "$HELD" select-big
assert_eq "select-big: 1, fd 1500 readable, after its data" "$OUT" "select over 1500 fds without the shim"
under recv.cfg select-big
assert_eq "select-big: 1, fd 1500 readable, after its data" "$OUT" "select over 1500 fds with a hold"

# A signal without SA_RESTART during a wait cut short for held data.
for how in poll epoll select; do
	under recv.cfg "eintr-$how"
	assert_eq "eintr-$how: -1 Interrupted system call after the signal" "$OUT" "$how interrupted"
done

# A second EPOLL_CTL_ADD (libuv takes its EEXIST as "modify instead"): the
# kernel's EEXIST, and the data is still held.
under recv.cfg eexist
assert_eq "eexist: second add EEXIST, readable 1 after the delay" "$OUT" "a second add"

# An epoll set closed while the shim had taken the socket out of it; a new
# set on the same number must not receive the socket's event.
under recv.cfg epfd-reuse
assert_eq "epfd-reuse: same number yes, events in the new set 0" "$OUT" "a new epoll set on a closed one's number"

# --- bytes queued when the sender ends -----------------------------------------
for how in close shutdown exit; do
	assert_exit 0 "$HELD" "end-$how"
	assert_eq "end-$how: peer got every byte" "$OUT" "bytes sent before $how, without the shim"
	under send.cfg "end-$how"
	assert_eq "end-$how: peer got every byte" "$OUT" "bytes queued before $how"
done
# --- what held up when tried ---------------------------------------------------
cat >conn.cfg <<'CFG'
rules = ( { name = "slow-connect"; calls = ["connect"]; fault = "latency"; delay_ms = 2000; after = 1; count = 1; } );
CFG
under conn.cfg connect-close
assert_eq "connect-close: first EINPROGRESS, same number yes, second under way, writable 1 at once" "$OUT" "a connect closed before due"
under recv.cfg dup-wait
assert_eq "dup-wait: wait ended in time, recv 1 'n'" "$OUT" "a socket dup'd onto a held number during waits"
under recv.cfg exclusive
assert_eq "exclusive: early 0, mod EINVAL, event 1 in time" "$OUT" "EPOLLEXCLUSIVE on a held socket"
under recv.cfg fork-epoll
assert_eq "fork-epoll: parent 1, child saw it, second byte 1 after its delay" "$OUT" "an epoll set shared with a forked child"
under recv.cfg rlimit
assert_eq "rlimit: sockets ran out, event 1, recv 1" "$OUT" "held data with no fd left"

# --- threads and processes ----------------------------------------------------
# 100 forks while the flusher sends the parent's queued bytes; each child
# queues a send of its own (starting a flusher) and exits. ThreadSanitizer
# does not follow a threaded fork that starts threads: left out there.
if [[ ${CS_SANITIZER:-} != tsan ]]; then
	assert_exit 0 "$HELD" fork-flusher 100
	assert_eq "fork-flusher: 0 hung, parent every byte, children every byte" "$OUT" "forks without the shim"
	under send.cfg fork-flusher 100
	assert_eq "fork-flusher: 0 hung, parent every byte, children every byte" "$OUT" "forks while the flusher runs"
fi

# Threads cancelled in epoll_wait, poll and recv on a held socket: the
# main thread then sees the data, closes the socket and forks. Before: the
# close waited forever for a lock a cancelled thread held. Not under ASan,
# which reports the frames a cancellation unwinds (test_process_life.sh).
if [[ ${CS_SANITIZER:-} != asan ]]; then
	under recv.cfg cancel 100
	assert_eq "cancel: data seen, close returned, fork ok" "$OUT" "after cancelled threads"
fi
echo "ok"
