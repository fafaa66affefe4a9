# slow_close: the program's close returns at once, but the peer reads the
# end of the stream delay_ms later (a duplicate of the shim's keeps the
# socket open until then, and is gone after it: no fd is left). Without
# the shim the peer sees it at once.
. "$(dirname "$0")/lib.sh"

out=$(python3 "$PROGS/close_watch.py" 0.5)
assert_num "$(value_of eof "$out")" '<' 0.5 "the peer's EOF without the shim"

cat >slow.cfg <<CFG
rules = ( { name = "late-fin"; calls = ["close"]; proto = "tcp"; local = "127.0.0.1";
            fault = "slow_close"; delay_ms = 1500; count = 1; } );
CFG
out=$(under_profile slow.cfg python3 "$PROGS/close_watch.py" 2.5)
assert_num "$(value_of close "$out")" '<' 0.5 "the program's close under slow_close"
assert_num "$(value_of eof "$out")" '>=' 1.4 "the peer's EOF under slow_close"
assert_num "$(value_of eof "$out")" '<' 6 "the peer's EOF under slow_close"
assert_eq same "$(value_of fds "$out")" "fds left once the close was due"

# A program that exits first: its exit closes the socket, as the kernel
# would (the peer does not wait for the rest of the delay).
cat >exit.py <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.close()
PY
cat >peer.py <<'PY'
import socket, time
srv = socket.create_server(("127.0.0.1", 0))
print("port", srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
started = time.monotonic()
conn.recv(100)
print("eof after %.3f" % (time.monotonic() - started), flush=True)
PY
bg python3 -u peer.py >peer.log 2>&1
port=$(port_from_log peer.log "the peer") || exit 1
cat >long.cfg <<CFG
log = "events.log";
rules = ( { name = "late-fin"; calls = ["close"]; fault = "slow_close"; delay_ms = 60000; } );
CFG
under_profile long.cfg python3 exit.py "$port"
wait_line peer.log 1 '^eof after' 10
assert_num "$(sed -n 's/^eof after //p' peer.log)" '<' 5 "the peer's EOF when the program exits"
assert_match '"call":"close",.*"fault":"slow_close","delay_ms":60000' "$(cat events.log)" "the event log"

# check: a close takes slow_close, not latency.
sed 's/fault = "slow_close"/fault = "latency"/' long.cfg >latency.cfg
assert_exit 1 "$CTL" check latency.cfg
assert_contains "use fault 'slow_close'" "$ERR" "check on latency for close"
