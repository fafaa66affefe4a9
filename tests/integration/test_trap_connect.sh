# run --trap: a statically linked C client, which the preload cannot see,
# has its connect calls supervised with seccomp. What it sees is compared
# with the real condition (a port nobody listens on) and with the preload
# on the dynamic build of the same client: same seed, same injected calls.
. "$(dirname "$0")/lib.sh"
build_static client_static connect_client.c
cc -O1 -o client_dyn "$PROGS/connect_client.c" || fail "cannot build progs/connect_client.c"
need_trap
start_http_server
echo 'rules = ();' >empty.cfg

# Chosen for a static program without asking, and said so.
cat >refuse.cfg <<CFG
rules = ( { name = "refuse"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT";
            fault = "reset"; } );
CFG
assert_exit 0 "$CTL" run -p refuse.cfg -- ./client_static "$HTTP_PORT" 2
real=$(./client_static "$(free_port)" 1)
assert_eq "1 ECONNREFUSED" "${real% *}" "a port nobody listens on"
assert_eq $'1 ECONNREFUSED\n2 ECONNREFUSED' "$(cut -d' ' -f1,2 <<<"$OUT")" "reset under the trap, as a real refusal"
assert_contains "supervised with seccomp" "$ERR" "run says the program is trapped"

# --no-trap refuses: the connects pass, with the old warning.
assert_exit 0 "$CTL" run --no-trap -p refuse.cfg -- ./client_static "$HTTP_PORT" 1
assert_eq "1 ok" "$(cut -d' ' -f1,2 <<<"$OUT")" "--no-trap leaves a static program alone"
assert_contains "cannot see its calls" "$ERR" "--no-trap warns"

# error, and a dynamic program on request.
cat >error.cfg <<CFG
rules = ( { name = "unreach"; calls = ["connect"]; fault = "error"; errno = "EHOSTUNREACH"; } );
CFG
assert_exit 0 "$CTL" run --trap -p error.cfg -- ./client_dyn "$HTTP_PORT" 1
assert_eq "1 EHOSTUNREACH" "$(cut -d' ' -f1,2 <<<"$OUT")" "error on a dynamic program under --trap"

# latency: the third connect only, late by 400 ms (the band is wide: a
# loaded machine), the others not.
cat >slow.cfg <<CFG
rules = ( { name = "slow"; calls = ["connect"]; after = 2; count = 1;
            fault = "latency"; delay_ms = 400; } );
CFG
assert_exit 0 "$CTL" run -p slow.cfg -- ./client_static "$HTTP_PORT" 4
mapfile -t ms < <(awk '{print $3}' <<<"$OUT")
assert_eq "ok ok ok ok" "$(awk '{print $2}' <<<"$OUT" | paste -sd' ')" "delayed connects succeed"
assert_num "${ms[2]}" '>=' 350 "the delayed connect's ms"
assert_num "${ms[2]}" '<' 5000 "the delayed connect's ms"
assert_num "${ms[0]}" '<' 300 "an undelayed connect's ms"

# kill at the second connect: the program dies there, 128 + 9.
cat >kill.cfg <<CFG
rules = ( { name = "kill2"; calls = ["connect"]; after = 1; count = 1;
            fault = "kill"; signal = "KILL"; } );
CFG
assert_exit 137 "$CTL" run -p kill.cfg -- ./client_static "$HTTP_PORT" 3
assert_eq "1 ok" "$(cut -d' ' -f1,2 <<<"$OUT")" "output before the kill"

# The same seed injects the same calls under the trap as under the
# preload: outputs, counters and event-log lines agree.
cat >mixed.cfg <<CFG
seed = 11;
rules = ( { name = "flaky"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT";
            probability = 0.5; fault = "reset"; },
          { name = "late"; calls = ["connect"]; probability = 0.3;
            fault = "latency"; delay_ms = 20; } );
CFG
for how in trap preload; do
	prog=./client_static
	[[ $how == preload ]] && prog=./client_dyn
	assert_exit 0 "$CTL" run -p mixed.cfg --stats --log "$how.jsonl" -- "$prog" "$HTTP_PORT" 24
	cut -d' ' -f1,2 <<<"$OUT" >"$how.out"
	grep -E '^(flaky|late) ' <<<"$ERR" >"$how.stats"
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    print(e["rule"], e["call"], e["peer"], e["fault"], e.get("delay_ms", ""))
' "$how.jsonl" >"$how.events"
done
assert_eq "$(cat preload.out)" "$(cat trap.out)" "what the client saw, trap vs preload"
assert_eq "$(cat preload.stats)" "$(cat trap.stats)" "counters, trap vs preload"
assert_eq "$(cat preload.events)" "$(cat trap.events)" "event-log lines, trap vs preload"
assert_match 'ECONNREFUSED' "$(cat trap.out)" "some connects refused"
assert_match ' ok' "$(cat trap.out)" "some connects made"

# The supervisor's descriptors do not leak into the program.
fds() { "$@" python3 -c 'import os; print(sorted(os.listdir("/proc/self/fd")))'; }
assert_eq "$(fds env)" "$(fds "$CTL" run --trap -p empty.cfg --)" "open fds under the trap"

# Live control reaches the trapped program: enable, pause, and status
# lists it among the attached pids.
new_segment
cat >live.cfg <<CFG
rules = ( { name = "refuse"; enabled = false; calls = ["connect"]; fault = "reset"; } );
CFG
bg "$CTL" run -s "$SEG" -p live.cfg -- ./client_static "$HTTP_PORT" 300 50 >live.out 2>live.err
wait_line live.out 0 '^[0-9]+ ok ' 10
"$CTL" -s "$SEG" enable refuse || fail "enable failed"
seen=$(lines_of live.out)
wait_line live.out "$seen" 'ECONNREFUSED' 10
"$CTL" -s "$SEG" status --json >status.json || fail "status failed"
client_pid=$(python3 -c 'import json; print(*json.load(open("status.json"))["pids"])')
assert_eq client_static "$(cat "/proc/$client_pid/comm" 2>/dev/null)" "the pid status lists"
"$CTL" -s "$SEG" pause || fail "pause failed"
seen=$(lines_of live.out)
wait_line live.out "$((seen + 1))" '^[0-9]+ ok ' 10
kill "$client_pid"

# check --trap refuses what a trapped program cannot get, with the reason
# and file:line; run warns about it and goes on.
cat >clock.cfg <<'CFG'
rules = (
  { name = "refuse"; calls = ["connect"]; fault = "reset"; },
  { name = "later"; calls = ["clock"]; fault = "clock_skew"; offset_s = 60; }
);
CFG
assert_exit 0 "$CTL" check clock.cfg
assert_exit 1 "$CTL" check --trap clock.cfg
assert_match "clock_skew.*'later' \(clock\.cfg:3\).*vDSO" "$ERR" "check --trap on a clock rule"
assert_exit 0 "$CTL" check --trap refuse.cfg
# The stream and datagram faults of the preload, each refused with its reason.
while IFS='|' read -r fault rule reason; do
	printf 'rules = ( { name = "r"; %s } );\n' "$rule" >one.cfg
	assert_exit 0 "$CTL" check one.cfg
	assert_exit 1 "$CTL" check --trap one.cfg
	assert_match "fault '$fault'.*'r' \(one\.cfg:1\).*$reason" "$ERR" "check --trap on $fault"
done <<'RULES'
eof|calls = ["recv"]; fault = "eof";|end of stream
limit_data|calls = ["recv"]; fault = "limit_data"; bytes = 10;|shorten
slow_close|calls = ["close"]; fault = "slow_close"; delay_ms = 10;|close is not trapped
duplicate|calls = ["send"]; proto = "udp"; fault = "duplicate";|does not repeat
reorder|calls = ["send"]; fault = "reorder"; window = 2;|keep one back
corrupt|calls = ["recv"]; fault = "corrupt"; bits = 3;|bytes the kernel reads
RULES
assert_exit 0 "$CTL" run -p clock.cfg -- ./client_static "$HTTP_PORT" 1
assert_contains "warning: fault 'clock_skew' in rule 'later' does nothing to a trapped program" "$ERR" "run's warning"
assert_eq "1 ECONNREFUSED" "$(cut -d' ' -f1,2 <<<"$OUT")" "the reachable rule still applies"

# fork and exec inside the tree: a shell starts two static clients; both
# are trapped, and count = 1 holds across them.
cat >once.cfg <<CFG
rules = ( { name = "once"; calls = ["connect"]; after = 1; count = 1; fault = "reset"; } );
CFG
assert_exit 0 "$CTL" run --trap -p once.cfg --stats -- sh -c "./client_static $HTTP_PORT 2; ./client_static $HTTP_PORT 2"
assert_eq $'1 ok\n2 ECONNREFUSED\n1 ok\n2 ok' "$(cut -d' ' -f1,2 <<<"$OUT")" "two programs of the tree, one count"
assert_match 'once +yes +4 +1' "$ERR" "counters across the tree"
