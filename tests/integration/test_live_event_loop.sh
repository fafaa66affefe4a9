# A latency rule loaded live into a running event loop: a python server
# (selectors' epoll, then asyncio) started attached to an empty segment
# registered its client's socket with epoll before any rule existed. With
# a 1.5 s recv latency loaded while the client talks to it, the client's
# data reaches the server 1.5 s late and whole, and the server sleeps
# meanwhile, as it does when the client really sends 1.5 s late (without
# the registration read back from the kernel it spins: about 1.5 s of CPU).
. "$(dirname "$0")/lib.sh"

cat >client.py <<'PY'
import os, socket, sys, time
port, late = int(sys.argv[1]), float(sys.argv[2])
message = bytes((i * 7 + 13) % 251 for i in range(32768))
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"hello")
assert s.recv(5) == b"hello"
print("ready", flush=True)
while not os.path.exists("go"):
    time.sleep(0.02)
start = time.monotonic()
time.sleep(late)
s.sendall(message)
got = b""
while len(got) < len(message):
    chunk = s.recv(65536)
    if not chunk:
        break
    got += chunk
print(f"done t={time.monotonic() - start:.3f} intact={'yes' if got == message else 'no'}", flush=True)
PY
cat >latency.cfg <<'CFG'
rules = ( { name = "slow-recv"; calls = ["recv"]; proto = "tcp";
            fault = "latency"; delay_ms = 1500; } );
CFG

# Clock ticks of CPU pid $1 used so far (user + system).
ticks_of() {
	awk '{print $14 + $15}' "/proc/$1/stat" || fail "process $1 is gone"
}
HZ=$(getconf CLK_TCK)

for server in epoll_echo asyncio_echo; do
	for run in real injected; do
		new_segment
		rm -f go
		bg env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" python3 -u "$PROGS/$server.py" >server.log 2>&1
		SERVER_PID=$BG_PID
		port=$(port_from_log server.log "$server") || exit 1
		late=0
		[[ $run == real ]] && late=1.5
		bg python3 -u client.py "$port" "$late" >client.log 2>&1
		CLIENT_PID=$BG_PID
		wait_line client.log 0 '^ready'
		if [[ $run == injected ]]; then
			"$CTL" -s "$SEG" load latency.cfg || fail "chaos-shim-ctl load failed"
		fi
		before=$(ticks_of "$SERVER_PID")
		touch go
		wait_line client.log 0 '^done' 10
		after=$(ticks_of "$SERVER_PID")
		OUT=$(tail -n 1 client.log)
		echo "$server, $run late data: $OUT, server CPU $((after - before)) ticks of 1/$HZ s"
		assert_contains "intact=yes" "$OUT" "$server: the data echoed back, $run late data"
		assert_num "$(value_of t "$OUT")" '>=' 1.4 "$server: seconds until the echo, $run late data"
		assert_num "$(value_of t "$OUT")" '<' 4 "$server: seconds until the echo, $run late data"
		assert_num "($after - $before) / $HZ" '<' 0.3 "$server: CPU seconds the server used while the data was $run late"
		kill "$SERVER_PID" "$CLIENT_PID" 2>/dev/null
		wait "$SERVER_PID" "$CLIENT_PID" 2>/dev/null
	done
done
