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

# slice: the supervisor makes the call itself with at most max_bytes, so a
# trapped client's receives (and sends) come short, and the data still
# arrives whole, as under the preload (python3 here is trapped on request:
# its socket calls are blocking ones, some of which wait for the echo).
cat >recv7.cfg <<CFG
rules = ( { name = "slice-recv"; calls = ["recv"]; peer = "127.0.0.1:$ECHO_PORT";
            fault = "slice"; max_bytes = 7; } );
CFG
cat >both3.cfg <<CFG
rules = ( { name = "slice-both"; calls = ["send", "recv"]; peer = "127.0.0.1:$ECHO_PORT";
            fault = "slice"; max_bytes = 3; } );
CFG
for cfg in recv7 both3; do
	max=${cfg: -1}
	assert_exit 0 "$CTL" run --trap -p "$cfg.cfg" -- python3 "$PROGS/tcp_client.py" "$ECHO_PORT" --size 5000
	assert_match "^ok n=5000 max=[1-$max] intact=yes " "$OUT" "$cfg under the trap"
	trapped=$(grep -o 'max=[0-9]*' <<<"$OUT")
	out=$(under_profile "$cfg.cfg" python3 "$PROGS/tcp_client.py" "$ECHO_PORT" --size 5000)
	assert_eq "$(grep -o 'max=[0-9]*' <<<"$out")" "$trapped" "$cfg: the largest receive, trap vs preload"
done
# A slice after a delay, on the static client: late, then short (the
# client reads "ping" in one call, so a 2-byte slice leaves it "pi").
cat >lateshort.cfg <<CFG
rules = ( { name = "late"; calls = ["recv"]; count = 1; fault = "latency"; delay_ms = 400; },
          { name = "short"; calls = ["recv"]; count = 1; fault = "slice"; max_bytes = 2; } );
CFG
assert_exit 0 "$CTL" check --trap lateshort.cfg
for how in trap preload; do
	prog=./client_static
	[[ $how == preload ]] && prog=./client_dyn
	assert_exit 0 "$CTL" run -p lateshort.cfg -- "$prog" "$ECHO_PORT" 1 send
	assert_eq "1 ok" "$(cut -d' ' -f1,2 <<<"$OUT")" "$how: a late short receive"
	assert_eq 2 "$(cut -d' ' -f4 <<<"$OUT")" "$how: bytes of the late short receive"
	assert_num "$(cut -d' ' -f3 <<<"$OUT")" '>=' 350 "$how: ms of the late short receive"
	assert_num "$(cut -d' ' -f3 <<<"$OUT")" '<' 5000 "$how: ms of the late short receive"
done
cat >bw.cfg <<CFG
rules = ( { name = "slow"; calls = ["recv"]; fault = "bandwidth"; bytes_per_s = 1000; } );
CFG
assert_exit 1 "$CTL" check --trap bw.cfg
assert_match "bandwidth.*'slow' \(bw\.cfg:1\).*cannot pace" "$ERR" "check --trap refuses bandwidth"

# A sliced recvmsg and recvfrom tell what the kernel's do besides the
# bytes: no address and no control data on a TCP connection, as under the
# preload. A recvmsg that asks for control data (a unix socket's fds)
# runs whole under the trap: the fds would come to the supervisor.
cat >msgs.py <<'PY'
import array, socket, time
srv = socket.create_server(("127.0.0.1", 0))
c = socket.create_connection(srv.getsockname())
s, _ = srv.accept()
s.sendall(b"hello world")
time.sleep(0.2)
print(c.recvmsg(100))
print(c.recvfrom(100))
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
a.sendmsg([b"fd!"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [0]))])
data, anc, flags, addr = b.recvmsg(100, socket.CMSG_SPACE(4))
print([(level, kind, len(fds)) for level, kind, fds in anc], flags, addr)
PY
cat >short2.cfg <<CFG
rules = ( { name = "short"; calls = ["recv"]; fault = "slice"; max_bytes = 2; } );
CFG
assert_exit 0 "$CTL" run --trap -p short2.cfg -- python3 msgs.py
assert_eq "(b'he', [], 0, None)
(b'll', None)
[(1, 1, 4)] 0 None" "$OUT" "sliced recvmsg and recvfrom under the trap"
assert_eq "$(under_profile short2.cfg python3 msgs.py)" "$OUT" "sliced recvmsg and recvfrom, trap vs preload"
