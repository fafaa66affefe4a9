# recv latency on a non-blocking socket read through epoll: level-triggered,
# edge-triggered and one-shot clients all get their data, 300 ms late (the
# edge the kernel gave before the delay is given again when it is due),
# with one EAGAIN on the way and no busy loop. Without the rule the data
# comes at once. A 3 s recv drop on a non-blocking socket (curl -m 3) costs
# no more CPU than a server that really never answers.
. "$(dirname "$0")/lib.sh"
need curl /usr/bin/time

start_slow_server 0
FAST=$SLOW_SERVER_PORT
start_slow_server 60
SILENT=$SLOW_SERVER_PORT

cat >latency.cfg <<CFG
rules = ( { name = "slow-recv"; calls = ["recv"]; peer = "127.0.0.1:$FAST";
            fault = "latency"; delay_ms = 300; } );
CFG
for mode in lt et oneshot; do
	OUT=$(python3 "$PROGS/epoll_client.py" "$FAST" "$mode" --timeout 5)
	assert_match '^ok n=[1-9]' "$OUT" "epoll $mode client without the shim"
	assert_num "$(value_of t "$OUT")" '<' 0.2 "seconds until the $mode client got its data without the shim"

	assert_exit 0 "$CTL" run -p latency.cfg -- python3 "$PROGS/epoll_client.py" "$FAST" "$mode" --timeout 5
	assert_match '^ok n=[1-9]' "$OUT" "epoll $mode client under a 300 ms recv latency"
	assert_num "$(value_of t "$OUT")" '>=' 0.28 "seconds until the $mode client got its data"
	assert_num "$(value_of t "$OUT")" '<' 1.5 "seconds until the $mode client got its data"
	assert_num "$(value_of wakeups "$OUT")" '<=' 5 "wakeups of the $mode client (a busy loop makes thousands)"
done

# A silent connection, real and injected: curl waits 3 s without CPU.
cat >drop.cfg <<CFG
rules = ( { name = "silence"; calls = ["recv"]; peer = "127.0.0.1:$FAST";
            fault = "drop"; } );
CFG
for run in real shim; do
	if [[ $run == real ]]; then
		/usr/bin/time -f '%e %U %S' -o time.out curl -sS -m 3 "http://127.0.0.1:$SILENT/" >/dev/null 2>curl.err
	else
		/usr/bin/time -f '%e %U %S' -o time.out "$CTL" run -p drop.cfg -- curl -sS -m 3 "http://127.0.0.1:$FAST/" >/dev/null 2>curl.err
	fi
	rc=$?
	read -r secs user sys <<<"$(tail -n 1 time.out)"
	assert_eq 28 "$rc" "curl -m 3's exit status, $run silence"
	assert_num "$secs" '>=' 2.8 "seconds curl waited, $run silence"
	assert_num "$user + $sys" '<' 0.15 "CPU seconds of 3 s of $run silence"
done

# FIONREAD and MSG_PEEK agree with recv: nothing while the data is held
# back, all of it once due (without the shim: all of it at once).
cat >inq.py <<'PY'
import fcntl, socket, struct, sys, termios, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setblocking(False)
s.sendall(b"GET / HTTP/1.0\r\n\r\n")
time.sleep(0.1)  # the answer is in the kernel by now
def inq():
    return struct.unpack("i", fcntl.ioctl(s, termios.FIONREAD, b"\0\0\0\0"))[0]
def peek():
    try:
        return len(s.recv(4096, socket.MSG_PEEK))
    except BlockingIOError:
        return "EAGAIN"
try:
    s.recv(4096)  # a receive sees the data first: from now on it is held
    early = "recv"
except BlockingIOError:
    early = "EAGAIN"
print("early", early, inq(), peek())
time.sleep(0.4)
print("late", inq(), peek(), len(s.recv(4096)))
PY
OUT=$(python3 inq.py "$FAST")
assert_match '^early recv ' "$OUT" "a receive without the shim"
assert_exit 0 "$CTL" run -p latency.cfg -- python3 inq.py "$FAST"
assert_match '^early EAGAIN 0 EAGAIN' "$OUT" "recv, FIONREAD and MSG_PEEK while the data is held back"
late=$(echo "$OUT" | sed -n 's/^late //p')
read -r n peeked got <<<"$late"
assert_num "$n" '>' 0 "FIONREAD once the data is due"
assert_eq "$n" "$peeked" "MSG_PEEK and FIONREAD once due"
assert_eq "$n" "$got" "recv and FIONREAD once due"

# A socket closed behind the shim's back (a raw close system call) with
# data held back: the next socket given its number is not held for it.
start_slow_server 0
OTHER=$SLOW_SERVER_PORT
cat >stale.py <<PY
import ctypes, socket, time
libc = ctypes.CDLL(None, use_errno=True)
request = b"GET / HTTP/1.0\r\n\r\n"
a = socket.create_connection(("127.0.0.1", $FAST)); a.setblocking(False)
a.send(request); time.sleep(0.1)
try:
    a.recv(100); print("old not held")
except BlockingIOError:
    print("old held")
fd = a.detach()
libc.syscall(3, fd)  # SYS_close, unseen by the shim
b = socket.create_connection(("127.0.0.1", $OTHER)); b.setblocking(False)
b.send(request); time.sleep(0.1)
try:
    print("new got", len(b.recv(100)), "same number", b.fileno() == fd)
except BlockingIOError:
    print("new held")
PY
assert_exit 0 "$CTL" run -p latency.cfg -- python3 stale.py
assert_contains "old held" "$OUT" "the first socket under recv latency"
assert_match 'new got [1-9][0-9]* same number True' "$OUT" "a new socket with the closed one's number"
