# limit_data: after `bytes` in a direction a connection ends, as against a
# server that really stops early. curl downloading 1 MiB reports a partial
# transfer (18) under action "close" and a reset (56) under "reset", the
# same as against progs/short_server.py closing or resetting after that
# many bytes; under "hang" its own timeout fires (28). On the send side the
# writer gets EPIPE and the peer reads exactly `bytes`, then its EOF.
. "$(dirname "$0")/lib.sh"
need curl
declare -A real seen

for how in close reset; do
	bg python3 -u "$PROGS/short_server.py" 100000 "$how" >"short-$how.log" 2>&1
	port=$(port_from_log "short-$how.log" "a server that stops early") || exit 1
	curl -s -o /dev/null "http://127.0.0.1:$port/"
	real[$how]=$?
done
assert_eq 18 "${real[close]}" "curl against a server that closes after 100000 bytes"
assert_eq 56 "${real[reset]}" "curl against a server that resets after 100000 bytes"

head -c 1048576 /dev/zero >big.bin
start_http_server
for how in close reset hang; do
	cat >"limit-$how.cfg" <<CFG
log = "events.log";
rules = ( { name = "cut-$how"; calls = ["recv"]; peer = "127.0.0.1:$HTTP_PORT";
            fault = "limit_data"; bytes = 100000; action = "$how"; } );
CFG
	"$CTL" run -p "limit-$how.cfg" -- curl -s -m 3 -o "got-$how.bin" "http://127.0.0.1:$HTTP_PORT/big.bin"
	seen[$how]=$?
	# The headers count: the body is 100000 bytes less them.
	assert_num "$(stat -c %s "got-$how.bin")" '>' 99000 "body kept under $how"
	assert_num "$(stat -c %s "got-$how.bin")" '<' 100000 "body kept under $how"
done
assert_eq "${real[close]}" "${seen[close]}" "curl under limit_data close"
assert_eq "${real[reset]}" "${seen[reset]}" "curl under limit_data reset"
assert_eq 28 "${seen[hang]}" "curl under limit_data hang (its -m 3 timeout)"
assert_match '"fault":"limit_data","bytes":100000,"action":"reset"' "$(cat events.log)" "the event log"

# The send side: the peer reads exactly the limit and then its end of
# stream; the writer's next send fails with EPIPE.
cat >sink.py <<'PY'
import socket
srv = socket.create_server(("127.0.0.1", 0))
print("port", srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
total = 0
while data := conn.recv(65536):
    total += len(data)
print("read", total, flush=True)
PY
bg python3 -u sink.py >sink.log 2>&1
SINK_PORT=$(port_from_log sink.log "the sink") || exit 1
cat >limit-send.cfg <<CFG
rules = ( { name = "cut-send"; calls = ["send"]; peer = "127.0.0.1:$SINK_PORT";
            fault = "limit_data"; bytes = 10000; } );
CFG
# Sends 100 x 1000 bytes (blocking, or non-blocking as an event loop
# would); prints "sent all" or the error that stopped it.
cat >writer.py <<'PY'
import selectors, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setblocking(sys.argv[2:] != ["nonblocking"])
sel = selectors.DefaultSelector()
sel.register(s, selectors.EVENT_WRITE)
left = 100000
try:
    while left:
        sel.select(5)
        try:
            left -= s.send(b"x" * min(1000, left))
        except BlockingIOError:
            pass
    print("sent all")
except OSError as e:
    print(type(e).__name__, e.errno)
PY
out=$(under_profile limit-send.cfg python3 writer.py "$SINK_PORT")
assert_eq "BrokenPipeError 32" "$out" "the writer under limit_data close on send"
wait_line sink.log 1 '^read '
assert_eq "read 10000" "$(lines_after sink.log 1)" "what the peer read"

# With a latency rule beside it, on non-blocking sockets (where the shim
# holds received bytes back and queues sent ones), the limit still holds:
# curl's download stops at it, and a non-blocking writer's peer reads
# exactly the limit, the delayed bytes first.
cat >slow-cut.cfg <<CFG
rules = ( { name = "slow"; calls = ["recv"]; peer = "127.0.0.1:$HTTP_PORT"; fault = "latency"; delay_ms = 20; },
          { name = "cut"; calls = ["recv"]; peer = "127.0.0.1:$HTTP_PORT"; fault = "limit_data"; bytes = 100000; } );
CFG
"$CTL" run -p slow-cut.cfg -- curl -s -m 10 -o got-slow.bin "http://127.0.0.1:$HTTP_PORT/big.bin"
assert_eq "${real[close]}" "$?" "curl under latency and limit_data close"
assert_num "$(stat -c %s got-slow.bin)" '>' 99000 "body kept under latency and limit_data"
assert_num "$(stat -c %s got-slow.bin)" '<' 100000 "body kept under latency and limit_data"

bg python3 -u sink.py >sink2.log 2>&1
SINK_PORT=$(port_from_log sink2.log "the second sink") || exit 1
cat >slow-cut-send.cfg <<CFG
rules = ( { name = "slow"; calls = ["send"]; peer = "127.0.0.1:$SINK_PORT"; fault = "latency"; delay_ms = 30; },
          { name = "cut-send"; calls = ["send"]; peer = "127.0.0.1:$SINK_PORT"; fault = "limit_data"; bytes = 10000; } );
CFG
out=$(under_profile slow-cut-send.cfg python3 writer.py "$SINK_PORT" nonblocking)
assert_eq "BrokenPipeError 32" "$out" "a non-blocking writer under latency and limit_data close"
wait_line sink2.log 1 '^read '
assert_eq "read 10000" "$(lines_after sink2.log 1)" "what the peer read under latency"
