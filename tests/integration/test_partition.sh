# drop on a TCP connection partitions it: on a non-blocking socket, sends
# are accepted until about a window (64 KiB) is in the void, then EAGAIN
# and the socket is not writable; nothing reaches the server, nothing comes
# back, poll wakes for nothing, and with hang_ms every call fails with
# ETIMEDOUT once that long has passed, as TCP giving up.
. "$(dirname "$0")/lib.sh"

start_echo_server
cat >cut.cfg <<CFG
rules = ( { name = "cut"; calls = ["send", "recv"]; peer = "127.0.0.1:$ECHO_PORT";
            fault = "drop"; hang_ms = 1500; } );
CFG
cat >partitioned.py <<PY
import errno, select, socket, time
s = socket.create_connection(("127.0.0.1", $ECHO_PORT)); s.setblocking(False)
start = time.monotonic()
accepted = 0
try:
    while True:
        accepted += s.send(b"x" * 4096)
except BlockingIOError:
    pass
p = select.poll(); p.register(s, select.POLLIN | select.POLLOUT)
ready = p.poll(500)
try:
    s.recv(100); got = "data"
except BlockingIOError:
    got = "EAGAIN"
print("accepted", accepted, "ready", len(ready), "recv", got, flush=True)
p.poll(3000)  # ready again when the partition times out
for call in (lambda: s.recv(100), lambda: s.send(b"y")):
    try:
        call(); print("no error")
    except OSError as e:
        print("after %.1f %s" % (time.monotonic() - start, errno.errorcode[e.errno]))
PY
assert_exit 0 "$CTL" run -p cut.cfg -- python3 partitioned.py
first=$(echo "$OUT" | head -n 1)
read -r _ accepted _ ready _ got <<<"$first"
assert_num "$accepted" '>=' 60000 "bytes a partitioned connection accepts"
assert_num "$accepted" '<=' 70000 "bytes a partitioned connection accepts"
assert_eq 0 "$ready" "poll events on a partitioned connection within 0.5 s"
assert_eq EAGAIN "$got" "recv on a partitioned connection"
assert_match 'after 1\.[4-9] ETIMEDOUT' "$(echo "$OUT" | sed -n 2p)" "recv once hang_ms has passed"
assert_match 'after 1\.[4-9] ETIMEDOUT' "$(echo "$OUT" | sed -n 3p)" "send once hang_ms has passed"
