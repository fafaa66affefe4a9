# run --trap on the data calls: a statically linked client's send/recv
# and write/read on a socket are delayed, failed and reset as the preload
# does to the dynamic build of the same client (same seed, same calls, the
# same thing seen by the peer); reads and writes of files pass untouched.
. "$(dirname "$0")/lib.sh"
build_static client_static echo_client.c
cc -O1 -o client_dyn "$PROGS/echo_client.c" || fail "cannot build progs/echo_client.c"
need_trap
start_echo_server

# The second receive late, the fourth send reset: what the client sees,
# the counters and the echo server's side agree with the preload's.
cat >mixed.cfg <<CFG
seed = 5;
rules = ( { name = "slow"; calls = ["recv"]; after = 1; count = 1;
            fault = "latency"; delay_ms = 400; },
          { name = "rst"; calls = ["send"]; peer = "*:$ECHO_PORT"; after = 3;
            fault = "reset"; } );
CFG
for mode in write send; do
	for how in trap preload; do
		prog=./client_static
		[[ $how == preload ]] && prog=./client_dyn
		seen=$(lines_of echo.log)
		assert_exit 1 "$CTL" run -p mixed.cfg --stats -- "$prog" "$ECHO_PORT" 6 "$mode"
		cut -d' ' -f1,2 <<<"$OUT" >"$how.out"
		ms=$(awk 'NR == 2 {print $3}' <<<"$OUT")
		assert_num "$ms" '>=' 350 "$how $mode: the delayed receive's ms"
		assert_num "$ms" '<' 5000 "$how $mode: the delayed receive's ms"
		grep -E '^(slow|rst) ' <<<"$ERR" >"$how.stats"
		wait_line echo.log "$seen" '^(closed|error)' 5
		lines_after echo.log "$seen" >"$how.peer"
	done
	assert_eq $'1 ok\n2 ok\n3 ok\n4 ECONNRESET' "$(cat trap.out)" "$mode under the trap"
	assert_eq "$(cat preload.out)" "$(cat trap.out)" "$mode: what the client saw, trap vs preload"
	assert_eq "$(cat preload.stats)" "$(cat trap.stats)" "$mode: counters, trap vs preload"
	assert_eq "error ConnectionResetError 104" "$(cat trap.peer)" "$mode: the echo server saw an RST"
	assert_eq "$(cat preload.peer)" "$(cat trap.peer)" "$mode: the peer's side, trap vs preload"
done

# error on a receive.
cat >eio.cfg <<CFG
rules = ( { name = "eio"; calls = ["recv"]; fault = "error"; errno = "EIO"; } );
CFG
assert_exit 1 "$CTL" run -p eio.cfg -- ./client_static "$ECHO_PORT" 2 send
assert_eq "1 EIO" "$(cut -d' ' -f1,2 <<<"$OUT")" "error on recv"

# kill at the third send.
cat >kill.cfg <<CFG
rules = ( { name = "kill3"; calls = ["send"]; after = 2; fault = "kill"; signal = "KILL"; } );
CFG
assert_exit 137 "$CTL" run -p kill.cfg -- ./client_static "$ECHO_PORT" 5 write
assert_eq $'1 ok\n2 ok' "$(cut -d' ' -f1,2 <<<"$OUT")" "output before the kill"

# Files are not sockets: with send and recv rules armed for every socket,
# a program's file reads and writes are left alone.
cat >all.cfg <<CFG
rules = ( { name = "all-fail"; calls = ["send", "recv"]; fault = "error"; errno = "EIO"; } );
CFG
head -c 300000 /dev/urandom >data.bin
"$CTL" run --trap -p all.cfg -- cat data.bin >copy.bin 2>cat.err || fail "cat under the trap failed: $(cat cat.err)"
cmp -s data.bin copy.bin || fail "cat under the trap changed the file"
