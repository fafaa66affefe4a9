# run --trap when things go wrong: a signal reaches a delayed call as it
# would a slow real one, and a supervisor killed outright leaves the
# program running (its trapped calls then fail with ENOSYS); an accept
# in a program out of descriptors fails with EMFILE, as without the trap.
. "$(dirname "$0")/lib.sh"
build_static interrupted interrupted_connect.c
build_static client_static connect_client.c
need_trap
start_http_server

# A connect delayed by 3 s, and SIGALRM after 1 s: without SA_RESTART the
# call fails with EINTR then; with it, the call is made again by the
# kernel and completes when its delay is over, matched and counted once.
cat >late.cfg <<CFG
rules = ( { name = "late"; calls = ["connect"]; fault = "latency"; delay_ms = 3000; } );
CFG
assert_exit 0 "$CTL" run -p late.cfg --stats -- ./interrupted "$HTTP_PORT"
assert_eq EINTR "${OUT% *}" "a handled signal without SA_RESTART"
assert_num "${OUT#* }" '<' 2.5 "seconds until the interrupted call returned"
assert_exit 0 "$CTL" run -p late.cfg --stats -- ./interrupted "$HTTP_PORT" restart
assert_eq ok "${OUT% *}" "a handled signal with SA_RESTART"
assert_num "${OUT#* }" '>=' 2.8 "seconds until the restarted call returned"
assert_num "${OUT#* }" '<' 5.5 "seconds until the restarted call returned"
assert_match 'late +yes +1 +1' "$ERR" "the restarted call counted once"

# The supervisor killed outright: the program goes on to its end, but
# every trapped call fails with ENOSYS from then on, its writes to the
# output file included (so nothing more is printed).
new_segment
cat >none.cfg <<CFG
rules = ( { name = "elsewhere"; calls = ["connect"]; peer = "10.255.255.1:1"; fault = "reset"; } );
CFG
bg "$CTL" run -s "$SEG" -p none.cfg -- ./client_static "$HTTP_PORT" 60 50 >killed.out 2>killed.err
run_pid=$BG_PID
wait_line killed.out 0 '^[0-9]+ ok ' 10
"$CTL" -s "$SEG" status --json >status.json || fail "status failed"
client_pid=$(python3 -c 'import json; print(*json.load(open("status.json"))["pids"])')
assert_eq client_static "$(cat "/proc/$client_pid/comm" 2>/dev/null)" "the pid status lists"
kill -KILL "$run_pid"
sleep 0.5
seen=$(lines_of killed.out)
kill -0 "$client_pid" 2>/dev/null || fail "the program died with its supervisor"
for ((i = 0; i < 200; i++)); do
	kill -0 "$client_pid" 2>/dev/null || break
	sleep 0.05
done
kill -0 "$client_pid" 2>/dev/null && fail "the program did not reach its end within 10 s"
assert_eq "$seen" "$(lines_of killed.out)" "lines written once the supervisor was gone"
assert_num "$seen" '<' 60 "lines written before the supervisor was killed"

# A server at its RLIMIT_NOFILE with a connection waiting: its accept
# fails with EMFILE, with the trap (the supervisor accepts the connection
# and cannot hand it in) as without it, instead of waiting for ever.
cat >full.py <<'PY'
import errno, resource, socket
srv = socket.create_server(("127.0.0.1", 0))
client = socket.create_connection(srv.getsockname())
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
held = []
try:
    while True:
        held.append(open("/dev/null"))
except OSError:
    pass
try:
    srv.accept()
    print("accepted")
except OSError as e:
    print(errno.errorcode[e.errno])
PY
cat >accepts.cfg <<CFG
rules = ( { name = "elsewhere"; calls = ["accept"]; peer = "10.255.255.1:1"; fault = "reset"; } );
CFG
assert_eq EMFILE "$(python3 full.py)" "an accept out of descriptors, without the trap"
assert_exit 0 timeout 20 "$CTL" run --trap -p accepts.cfg -- python3 full.py
assert_eq EMFILE "$OUT" "an accept out of descriptors, trapped"
