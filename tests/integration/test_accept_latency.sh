# accept latency on a non-blocking listening socket: a server whose loop
# waits with poll, select or epoll is told of each connection 300 ms late
# (the connection is kept aside, the listening socket reported readable
# when it is due), so a client's first answer comes 300 ms late; without
# the rule, at once.
. "$(dirname "$0")/lib.sh"

cat >accept.cfg <<'CFG'
rules = ( { name = "slow-accept"; calls = ["accept"]; fault = "latency"; delay_ms = 300; } );
CFG
cat >client.py <<'PY'
import socket, sys, time
for _ in range(3):
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as s:
        got = s.recv(16)
    print("got %s t=%.3f" % (got.decode(), time.monotonic() - start))
PY
for kind in poll select epoll; do
	bg python3 -u "$PROGS/selector_server.py" "$kind" >plain-$kind.log 2>&1
	PLAIN=$(port_from_log plain-$kind.log "$kind server") || exit 1
	bg "$CTL" run -p accept.cfg -- python3 -u "$PROGS/selector_server.py" "$kind" >slow-$kind.log 2>&1
	SLOW=$(port_from_log slow-$kind.log "$kind server under accept latency") || exit 1

	OUT=$(python3 client.py "$PLAIN")
	while read -r line; do
		assert_match '^got hi ' "$line" "$kind server without the shim"
		assert_num "$(value_of t "$line")" '<' 0.15 "seconds until the $kind server answered"
	done <<<"$OUT"
	OUT=$(python3 client.py "$SLOW")
	while read -r line; do
		assert_match '^got hi ' "$line" "$kind server under accept latency"
		assert_num "$(value_of t "$line")" '>=' 0.28 "seconds until the $kind server answered"
		assert_num "$(value_of t "$line")" '<' 1.2 "seconds until the $kind server answered"
	done <<<"$OUT"
done
