# Delayed sockets under load (tests/reliability/progs/delayed.c): client
# threads on non-blocking TCP connections, read through their own epoll
# set, a poll loop or one epoll set shared by two threads, stream a pattern
# through an echo server in the same process while latency (with jitter),
# bandwidth and accept latency apply to both sides, and a forked child does
# the same. Numbered records cross a unix datagram socketpair under send
# latency meanwhile. Every byte comes back once and in order, every record
# arrives once and in order, in both processes,
# within the time limit (a deadlock or a lost byte fails), and the shim's
# helper thread is gone once nothing waits. Again with the client sockets
# on fds past 16384 when RLIMIT_NOFILE allows.
. "$(dirname "$0")/../integration/lib.sh"

# ThreadSanitizer does not follow a child forked from a threaded program
# that starts threads again, and AddressSanitizer's allocator can be
# forked locked by another thread (about one run in thirty: the child's
# threads all wait in its GetFromAllocator, with or without the shim's
# fork hooks): under either, the fork is left out. The plain suite runs it.
nofork=
[[ ${CS_SANITIZER:-} == tsan || ${CS_SANITIZER:-} == asan ]] && nofork=nofork
DELAYED=$CS_BUILD/reliability/delayed
[[ -x $DELAYED ]] || fail "$DELAYED is missing (make reliability-bin)"

cat >delayed.cfg <<'CFG'
seed = 3;
rules = (
  { name = "slow-send"; calls = ["send"]; proto = "tcp"; fault = "latency"; delay_ms = 3; jitter_ms = 2; probability = 0.3; },
  { name = "slow-recv"; calls = ["recv"]; proto = "tcp"; fault = "latency"; delay_ms = 2; jitter_ms = 2; probability = 0.3; },
  { name = "cap";       calls = ["recv"]; proto = "tcp"; fault = "bandwidth"; bytes_per_s = 4000000; },
  { name = "cut";       calls = ["send"]; proto = "tcp"; fault = "slice"; max_bytes = 700; probability = 0.2; },
  { name = "slow-accept"; calls = ["accept"]; fault = "latency"; delay_ms = 20; },
  { name = "slow-any";  calls = ["send"]; fault = "latency"; delay_ms = 2; jitter_ms = 1; probability = 0.3; }
);
CFG
assert_exit 0 timeout -k 5 120 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=delayed.cfg "$DELAYED" 6 400000 $nofork
assert_contains "ok 2400000" "$OUT" "bytes echoed intact by the parent's 6 threads"
[[ -n $nofork ]] || assert_contains "ok 800000" "$OUT" "bytes echoed intact by the forked child's 2 threads"

# The same with every client socket on an fd past 16384, where the shim
# keeps what it holds in blocks mapped on first use.
if (($(ulimit -Hn) > 17200)) || [[ $(ulimit -Hn) == unlimited ]]; then
	ulimit -n 17200 || fail "cannot raise the soft limit of open files to 17200"
	assert_exit 0 timeout -k 5 120 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=delayed.cfg "$DELAYED" 6 400000 $nofork high
	assert_contains "ok 2400000" "$OUT" "bytes echoed intact by the parent's 6 threads on high fds"
	[[ -n $nofork ]] || assert_contains "ok 800000" "$OUT" "bytes echoed intact by the forked child's 2 threads on high fds"
else
	echo "not run: the hard limit of open files ($(ulimit -Hn)) does not reach fd 17200"
fi
