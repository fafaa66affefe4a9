# send latency on a non-blocking socket: the send returns at once and the
# bytes reach the peer 300 ms later, in order; a large transfer goes
# through a bounded queue (at most 256 KiB in flight, the socket not
# writable while it is full), so 1 MiB takes several rounds and arrives
# intact. The helper thread that puts the bytes on the wire runs only
# while bytes wait, and a forked child that sends gets its own.
. "$(dirname "$0")/lib.sh"

start_echo_server
cat >slow.cfg <<CFG
rules = ( { name = "slow-send"; calls = ["send"]; peer = "127.0.0.1:$ECHO_PORT";
            fault = "latency"; delay_ms = 300; } );
CFG

OUT=$(python3 "$PROGS/nb_echo_client.py" "$ECHO_PORT" --size 100)
assert_num "$(value_of first_echo_ms "$OUT")" '<' 100 "ms until the echo without the shim"

assert_exit 0 "$CTL" run -p slow.cfg -- python3 "$PROGS/nb_echo_client.py" "$ECHO_PORT" --size 100
assert_eq yes "$(value_of intact "$OUT")" "echo of 100 bytes sent under latency"
assert_num "$(value_of send_ms "$OUT")" '<' 50 "ms the longest non-blocking send took"
assert_num "$(value_of first_echo_ms "$OUT")" '>=' 280 "ms until the echo of a delayed send"
assert_num "$(value_of first_echo_ms "$OUT")" '<' 800 "ms until the echo of a delayed send"

assert_exit 0 "$CTL" run -p slow.cfg -- python3 "$PROGS/nb_echo_client.py" "$ECHO_PORT" --size 1048576
assert_eq 1048576 "$(value_of n "$OUT")" "bytes echoed of 1 MiB sent under latency"
assert_eq yes "$(value_of intact "$OUT")" "1 MiB sent under latency, in order"
assert_num "$(value_of send_ms "$OUT")" '<' 50 "ms the longest non-blocking send took"
assert_num "$(value_of t "$OUT")" '>=' 0.85 "seconds for 1 MiB through a 256 KiB queue at 300 ms"
assert_num "$(value_of t "$OUT")" '<' 6 "seconds for 1 MiB through a 256 KiB queue at 300 ms"

cat >threads.py <<PY
import os, socket, time
threads = lambda: len(os.listdir("/proc/self/task"))
s = socket.create_connection(("127.0.0.1", $ECHO_PORT)); s.setblocking(False)
print("before", threads())
s.send(b"x" * 100)
print("sending", threads())
# The helper leaves a second after its last work; a loaded machine may
# take longer to let it run.
deadline = time.monotonic() + 8
time.sleep(1.5)
while threads() > 1 and time.monotonic() < deadline:
    time.sleep(0.1)
print("idle", threads())
pid = os.fork()
if pid == 0:
    s.send(b"y" * 10)
    print("child", threads(), flush=True)
    time.sleep(0.6)
    os._exit(0)
os.waitpid(pid, 0)
s.setblocking(True); s.settimeout(3)
got = b""
while len(got) < 110:
    got += s.recv(1000)
print("echoed", got.decode())
PY
assert_exit 0 "$CTL" run -p slow.cfg -- python3 threads.py
assert_contains "before 1" "$OUT" "threads before any delayed send"
assert_contains "sending 2" "$OUT" "threads while bytes wait"
assert_contains "idle 1" "$OUT" "threads once nothing waits"
assert_contains "child 2" "$OUT" "threads of a forked child that sends"
assert_contains "echoed $(printf 'x%.0s' {1..100})$(printf 'y%.0s' {1..10})" "$OUT" "what the parent and its child sent, once each, in order"
