# run --trap on a Go HTTP client, built here from Debian's golang-go: Go
# makes its system calls without libc, so only the seccomp supervisor
# reaches it. Each fault is compared with the real condition it stands
# for: a port nobody listens on, a server that resets mid-response.
. "$(dirname "$0")/lib.sh"
build_go_http
need_trap
echo 'rules = ();' >empty.cfg

bg ./go_http server >server.log 2>&1
PORT=$(port_from_log server.log "the Go server") || exit 1
URL=http://127.0.0.1:$PORT/data
kinds() { cut -d' ' -f1,2 <<<"$1"; }

# Trapped without asking, and said so; untouched without a rule.
assert_exit 0 "$CTL" run -p empty.cfg -- ./go_http client "$URL" 2
assert_eq $'1 ok\n2 ok' "$(kinds "$OUT")" "the Go client under an idle trap"
assert_contains "supervised with seccomp" "$ERR" "run says the Go program is trapped"

# connect refused, as by a port nobody listens on.
real=$(./go_http client "http://127.0.0.1:$(free_port)/data" 1)
assert_eq "1 refused" "$(kinds "$real")" "a port nobody listens on"
cat >refuse.cfg <<CFG
rules = ( { name = "refuse"; calls = ["connect"]; peer = "127.0.0.1:$PORT"; after = 1;
            count = 1; fault = "reset"; } );
CFG
assert_exit 0 "$CTL" run -p refuse.cfg --stats -- ./go_http client "$URL" 3
assert_eq $'1 ok\n2 refused\n3 ok' "$(kinds "$OUT")" "the second connect refused"
assert_match 'refuse +yes +3 +1' "$ERR" "counters of the refused connect"

# reset in the middle of the response, as by a server that does it.
bg python3 -u "$PROGS/reset_midway_server.py" >midway.log 2>&1
MIDWAY=$(port_from_log midway.log "the resetting server") || exit 1
real=$(./go_http client "http://127.0.0.1:$MIDWAY/data" 1)
cat >cut.cfg <<CFG
rules = ( { name = "cut"; calls = ["recv"]; peer = "127.0.0.1:$PORT"; after = 3;
            count = 1; fault = "reset"; } );
CFG
assert_exit 0 "$CTL" run -p cut.cfg -- ./go_http client "$URL" 2
assert_eq "1 reset" "$(kinds "$real")" "a server that resets mid-response"
assert_eq $'1 reset\n2 ok' "$(kinds "$OUT")" "reset mid-response under the trap"

# latency on the connect: late by 600 ms (a wide band), the next one not.
cat >late.cfg <<CFG
rules = ( { name = "late"; calls = ["connect"]; count = 1; fault = "latency"; delay_ms = 600; } );
CFG
assert_exit 0 "$CTL" run -p late.cfg -- ./go_http client "$URL" 2
assert_eq $'1 ok\n2 ok' "$(kinds "$OUT")" "delayed requests succeed"
assert_num "$(awk 'NR == 1 {print $5}' <<<"$OUT")" '>=' 550 "the delayed request's ms"
assert_num "$(awk 'NR == 1 {print $5}' <<<"$OUT")" '<' 8000 "the delayed request's ms"
assert_num "$(awk 'NR == 2 {print $5}' <<<"$OUT")" '<' 500 "the next request's ms"

# drop on Go's non-blocking sockets: the connection goes silent, as with
# a server that never answers, and the client's own timeout (1.5 s) fires
# with the CPU idle meanwhile (user + system seconds of run, supervisor
# included: a client spinning on EAGAIN would burn the whole 1.5 s).
need /usr/bin/time
start_slow_server 60
real=$(./go_http client "http://127.0.0.1:$SLOW_SERVER_PORT/data" 1 0 1500)
assert_eq "1 timeout" "$(kinds "$real")" "a server that never answers"
cat >silence.cfg <<CFG
rules = ( { name = "silence"; calls = ["send", "recv"]; peer = "127.0.0.1:$PORT"; after = 1;
            count = 1; fault = "drop"; } );
CFG
assert_exit 0 /usr/bin/time -f 'cpu %U %S' "$CTL" run -p silence.cfg -- ./go_http client "$URL" 2 0 1500
assert_eq $'1 timeout\n2 ok' "$(kinds "$OUT")" "a drop under the trap"
assert_num "$(awk 'NR == 1 {print $3}' <<<"$OUT")" '>=' 1400 "ms until the client gave up"
assert_num "$(awk 'NR == 1 {print $3}' <<<"$OUT")" '<' 6000 "ms until the client gave up"
cpu=$(awk '$1 == "cpu" {print $2 + $3}' <<<"$ERR")
assert_num "$cpu" '<' 0.5 "CPU seconds of the client and its supervisor"

# slice on Go's non-blocking reads: 200000 bytes arrive whole, in reads
# of at most 1000 bytes (so at least 200 of them injected).
cat >short.cfg <<CFG
rules = ( { name = "short"; calls = ["recv"]; peer = "127.0.0.1:$PORT"; fault = "slice";
            max_bytes = 1000; } );
CFG
assert_exit 0 "$CTL" run -p short.cfg --stats -- ./go_http client "$URL" 1
assert_eq "1 ok 200 200000" "$(cut -d' ' -f1-4 <<<"$OUT")" "the Go client under a slice"
assert_num "$(awk '$1 == "short" {print $4}' <<<"$ERR")" '>=' 200 "sliced reads"

# error.
cat >unreach.cfg <<CFG
rules = ( { name = "unreach"; calls = ["connect"]; fault = "error"; errno = "EHOSTUNREACH"; } );
CFG
assert_exit 0 "$CTL" run -p unreach.cfg -- ./go_http client "$URL" 1
assert_eq "1 unreachable" "$(kinds "$OUT")" "error on connect"

# kill at the third connect.
cat >kill.cfg <<CFG
rules = ( { name = "kill3"; calls = ["connect"]; after = 2; fault = "kill"; signal = "KILL"; } );
CFG
assert_exit 137 "$CTL" run -p kill.cfg -- ./go_http client "$URL" 5
assert_eq $'1 ok\n2 ok' "$(kinds "$OUT")" "requests before the kill"

# A live toggle while it runs: enable refuses, disable lets it through.
new_segment
cat >live.cfg <<CFG
rules = ( { name = "refuse"; enabled = false; calls = ["connect"]; fault = "reset"; } );
CFG
bg "$CTL" run -s "$SEG" -p live.cfg -- ./go_http client "$URL" 400 50 >live.out 2>live.err
wait_line live.out 0 '^[0-9]+ ok ' 10
"$CTL" -s "$SEG" enable refuse || fail "enable failed"
seen=$(lines_of live.out)
wait_line live.out "$seen" '^[0-9]+ refused ' 10
"$CTL" -s "$SEG" disable refuse || fail "disable failed"
seen=$(lines_of live.out)
wait_line live.out "$((seen + 1))" '^[0-9]+ ok ' 10
