# CHAOS_SHIM_PROFILE over a process tree: a shell loop of clients that
# connect once shares the counters with the shell, as under
# `chaos-shim-ctl run -p`: crash-on-connect.cfg (after 5, count 1, SIGKILL)
# kills the sixth client and only that one, in both. A child whose parent
# closed the inherited descriptor says so and counts on its own. The
# client is python3 (curl hangs under the ASan runtime of make test-asan,
# shim or not).
. "$(dirname "$0")/lib.sh"

start_http_server
get="python3 $PROGS/connect_once.py $HTTP_PORT >/dev/null"
loop="for i in 1 2 3 4 5 6 7 8; do $get; echo \"\$i \$?\"; done"
want=$'1 0\n2 0\n3 0\n4 0\n5 0\n6 137\n7 0\n8 0'

assert_exit 0 bash -c "$loop"
assert_eq "$(sed 's/137/0/' <<<"$want")" "$OUT" "the loop without the shim"
assert_exit 0 "$CTL" run -p "$PROFILES/crash-on-connect.cfg" -- bash -c "$loop"
assert_eq "$want" "$OUT" "the loop under run -p"
assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE="$PROFILES/crash-on-connect.cfg" bash -c "$loop"
assert_eq "$want" "$OUT" "the loop under CHAOS_SHIM_PROFILE"

# The same profile, with the descriptor closed before each client starts.
assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE="$PROFILES/crash-on-connect.cfg" \
	bash -c "fd=\${CHAOS_SHIM_PROFILE_FD%%:*}; for i in 1 2; do $get {fd}>&-; echo \"\$i \$?\"; done"
assert_contains "counts on its own" "$ERR" "a client whose descriptor was closed"
