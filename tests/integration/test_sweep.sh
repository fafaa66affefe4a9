# sweep names the one match number whose fault the program cannot survive:
# a client that tries a failed request once more, except the third. First
# the client against a server that really resets one connection, to show
# what it survives; then the sweep, its reproducer, -j, --max-runs and a
# command that fails without any fault.
. "$(dirname "$0")/lib.sh"

client=("$PROGS/retry_client.py")

# A real server that resets its N-th connection (SO_LINGER 0) and answers
# the others.
cat >reset_server.py <<'PY'
import socket, struct, sys
nth = int(sys.argv[1])
srv = socket.create_server(("127.0.0.1", 0))
print("port", srv.getsockname()[1], flush=True)
count = 0
while True:
    conn, _ = srv.accept()
    count += 1
    conn.recv(65536)
    if count == nth:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    else:
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
    conn.close()
PY
start_resetting_server() {
	bg python3 -u reset_server.py "$1" >"reset$1.log" 2>&1
	RESET_PORT=$(port_from_log "reset$1.log" "resetting server") || exit 1
}

start_resetting_server 2
python3 "${client[@]}" "$RESET_PORT" >real2.out 2>&1
assert_eq 0 $? "client when the real server resets its 2nd connection (output: $(tr '\n' '|' <real2.out))"
start_resetting_server 3
python3 "${client[@]}" "$RESET_PORT" >real3.out 2>&1
assert_eq 1 $? "client when the real server resets its 3rd connection (output: $(tr '\n' '|' <real3.out))"

start_http_server
cat >sweep.cfg <<CFG
rules = ( { name = "refuse"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT"; fault = "reset"; },
          { name = "off"; enabled = false; calls = ["recv"]; fault = "reset"; } );
CFG

assert_exit 3 noting_pid "$CTL" sweep -p sweep.cfg -- python3 "${client[@]}" "$HTTP_PORT"
assert_contains "baseline: rule 'refuse' matched 5 times" "$OUT" "sweep's baseline"
assert_eq 1 "$(grep -c '^FAIL' <<<"$OUT")" "failing k in: $OUT"
assert_match "FAIL rule 'refuse' k=3: exit 1" "$OUT" "the failing k"
assert_contains "sweep: 5 runs, 1 failed" "$OUT" "sweep's summary"
[[ -f chaos-shim-sweep/refuse-k3.cfg ]] || fail "no reproducer profile: $(ls -R)"
reproducer=$(grep -A1 '^FAIL' <<<"$OUT" | tail -n 1)
assert_contains "chaos-shim-ctl run -p chaos-shim-sweep/refuse-k3.cfg -- python3 ${client[0]} $HTTP_PORT" \
	"$reproducer" "reproducer line"
# The reproducer, as printed, with this build's chaos-shim-ctl.
eval "\"\$CTL\" ${reproducer#*chaos-shim-ctl }" >repro.out 2>&1
assert_eq 1 $? "reproducer's exit status (output: $(tr '\n' '|' <repro.out))"
assert_contains "failed 3" "$(cat repro.out)" "reproducer's client output"
assert_eq 2 "$(grep -c "^ok" repro.out)" "requests that passed under the reproducer (the first two and none after)"

# The same with two runs at a time, as JSON.
assert_exit 3 noting_pid "$CTL" sweep -p sweep.cfg -j 2 -o out --json -- python3 "${client[@]}" "$HTTP_PORT"
python3 - <<'PY' "$OUT" || fail "sweep --json: $OUT"
import json, sys
doc = json.loads(sys.argv[1])
assert doc["baseline"] == {"status": 0, "rules": [{"name": "refuse", "matched": 5}]}, doc["baseline"]
assert [(f["rule"], f["k"], f["status"]) for f in doc["failed"]] == [("refuse", 3, 1)], doc["failed"]
assert doc["failed"][0]["profile"] == "out/refuse-k3.cfg"
assert (doc["runs"], doc["matches"], doc["not_run"]) == (5, 5, 0)
PY

# --max-runs stops before k = 3; --rule names what to sweep.
assert_exit 0 noting_pid "$CTL" sweep -p sweep.cfg --rule refuse --max-runs 2 -- python3 "${client[@]}" "$HTTP_PORT"
assert_contains "sweep: 2 runs, 0 failed, 3 matches not tried (--max-runs)" "$OUT" "sweep with --max-runs 2"
assert_exit 2 "$CTL" sweep -p sweep.cfg --rule nope -- true
assert_contains "no rule 'nope'" "$ERR" "unknown rule"

# --timeout ends runs that hang at their fault (a minute each here) and
# counts them as failed: three at a time, all five within a generous band.
start=$SECONDS
assert_exit 3 noting_pid "$CTL" sweep -p sweep.cfg --timeout 2 -j 3 --json -- \
	python3 "${client[@]}" "$HTTP_PORT" --hang-on-failure
assert_num "$((SECONDS - start))" '<' 40 "seconds for five runs that hang, with --timeout 2"
python3 - <<'PY' "$OUT" || fail "sweep --timeout --json: $OUT"
import json, sys
doc = json.loads(sys.argv[1])
assert [(f["k"], f["timed_out"], f["status"]) for f in doc["failed"]] == \
    [(k, True, 137) for k in range(1, 6)], doc["failed"]
PY

# A command that fails anyway has nothing to sweep.
assert_exit 1 noting_pid "$CTL" sweep -p sweep.cfg -- python3 "${client[@]}" "$(free_port)"
assert_contains "fails without any injection (exit 1)" "$ERR" "failing baseline"
# No segment of the sweeps is left.
assert_no_segments_left sweep
exit 0
