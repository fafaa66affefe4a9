# run --trap on the accept family: a statically linked C server (blocking
# accept and accept4) and a Go HTTP server (non-blocking accept4) have
# their accepts supervised with seccomp. What curl sees of an accept
# latency, reset and error, and what the server's accept returns, agree
# with the preload on the dynamic build of the same C server; a reset of
# the Go server's sends mid-response is seen as a server that really
# resets; a handled signal interrupts a blocking accept; no descriptor of
# the supervisor is left in the server.
. "$(dirname "$0")/lib.sh"
need curl
build_static server_static accept_server.c
cc -O1 -o server_dyn "$PROGS/accept_server.c" || fail "cannot build progs/accept_server.c"
build_go_http
need_trap

cat >mixed.cfg <<CFG
rules = ( { name = "late"; calls = ["accept"]; count = 1; fault = "latency"; delay_ms = 500; },
          { name = "rst"; calls = ["accept"]; after = 1; count = 1; fault = "reset"; },
          { name = "eacces"; calls = ["accept"]; after = 2; count = 1;
            fault = "error"; errno = "EACCES"; } );
CFG

# N requests to 127.0.0.1:PORT/PATH, one line each: "KIND HTTP-CODE
# SECONDS BYTES", KIND ok, or closed when curl saw the connection reset or
# closed without a whole answer (7, 52, 56: a reset, or a close with the
# request unread, makes one or the other as the packets cross), or curl-N.
requests() { # port n [path]
	local i out rc kind
	for ((i = 0; i < $2; i++)); do
		out=$(curl -s -o /dev/null -m 20 -w '%{http_code} %{time_total} %{size_download}' \
			"http://127.0.0.1:$1/${3:-}")
		rc=$?
		case $rc in
		0) kind=ok ;;
		7 | 52 | 56) kind=closed ;;
		*) kind=curl-$rc ;;
		esac
		echo "$kind $out"
	done
}
# The pid of the command a backgrounded `run` started.
child_of() {
	local i
	for ((i = 0; i < 100; i++)); do
		read -r pid _ <"/proc/$1/task/$1/children" 2>/dev/null && [[ -n $pid ]] &&
			{ echo "$pid"; return; }
		sleep 0.05
	done
	fail "run ($1) started no command"
}

# The C server, untouched: the descriptors it holds while it serves.
bg ./server_static accept >plain.log 2>&1
PORT=$(port_from_log plain.log "the static server") || exit 1
requests "$PORT" 1 >/dev/null
wait_line plain.log 0 '^accept ok' 5
plain_fds=$(awk '/^accept ok/ {print $5}' plain.log)

# The blocking C server, trapped and preloaded: SIGALRM interrupts the
# first accept (EINTR after 1 s), then the first connection is handed
# over 500 ms late, the second reset, the third refused with EACCES.
for mode in accept accept4; do
	for how in trap preload; do
		prog=./server_static
		[[ $how == preload ]] && prog=./server_dyn
		bg "$CTL" run -p mixed.cfg --stats -- "$prog" "$mode" alarm >"$how.log" 2>"$how.err"
		PORT=$(port_from_log "$how.log" "the $how server") || exit 1
		wait_line "$how.log" 0 '^accept EINTR' 5
		requests "$PORT" 5 >"$how.curl"
		wait_line "$how.log" 0 '^accept ok.*' 5
		kill "$BG_PID"
		wait "$BG_PID" 2>/dev/null
		eintr=$(awk '$2 == "EINTR" {print $3}' "$how.log")
		assert_num "$eintr" '>=' 0.9 "$how $mode: seconds until the signal interrupted accept"
		assert_num "$eintr" '<' 3 "$how $mode: seconds until the signal interrupted accept"
		late=$(awk 'NR == 1 {print $3}' "$how.curl")
		assert_num "$late" '>=' 0.45 "$how $mode: seconds of the delayed request"
		assert_num "$late" '<' 5 "$how $mode: seconds of the delayed request"
		awk '{print $1, $2}' "$how.curl" >"$how.seen"
		awk '$1 == "accept" && $2 == "ok" {print $1, $2, $3, $4} $1 == "accept" && $2 != "ok" {print $1, $2}' "$how.log" >"$how.accepts"
	done
	flag=inherit
	[[ $mode == accept4 ]] && flag=cloexec
	assert_eq $'ok 200\nclosed 000\nok 200\nclosed 000\nok 200' "$(cat trap.seen)" "$mode: what curl saw under the trap"
	assert_eq "$(cat preload.seen)" "$(cat trap.seen)" "$mode: what curl saw, trap vs preload"
	assert_eq "accept EINTR
accept ok 127.0.0.1 $flag
accept ECONNABORTED
accept ok 127.0.0.1 $flag
accept EACCES
accept ok 127.0.0.1 $flag" "$(cat trap.accepts)" "$mode: what the trapped server's accepts returned"
	assert_eq "$(cat preload.accepts)" "$(cat trap.accepts)" "$mode: accepts, trap vs preload"
	assert_eq "$plain_fds" "$(awk '/^accept ok/ {print $5}' trap.log | sort -u)" \
		"$mode: descriptors the trapped server holds while it serves"
done

# The Go server: its accept4 is non-blocking (Go's netpoller), so the
# delay is spent in the call; curl sees what it saw of the C server.
bg "$CTL" run -p mixed.cfg -- ./go_http server >go.log 2>&1
run_pid=$BG_PID
GO_PORT=$(port_from_log go.log "the Go server") || exit 1
go_pid=$(child_of "$run_pid")
requests "$GO_PORT" 5 data >go.curl
assert_eq "$(cat preload.seen)" "$(awk '{print $1, $2}' go.curl)" "the Go server trapped vs the C server preloaded"
late=$(awk 'NR == 1 {print $3}' go.curl)
assert_num "$late" '>=' 0.45 "seconds of the Go server's delayed request"
assert_num "$late" '<' 5 "seconds of the Go server's delayed request"
assert_eq 200000 "$(awk 'NR == 5 {print $4}' go.curl)" "bytes of the last request"
# Nothing of the supervisor's in the Go server: once its connections are
# closed (the count stays the same 0.3 s), as many descriptors as before
# three more requests.
settled_fds() {
	local now last=-1 i
	for ((i = 0; i < 30; i++)); do
		now=$(ls "/proc/$go_pid/fd" | wc -l)
		[[ $now == "$last" ]] && break
		last=$now
		sleep 0.3
	done
	echo "$now"
}
before=$(settled_fds)
requests "$GO_PORT" 3 data >/dev/null
assert_eq "$before" "$(settled_fds)" "descriptors of the Go server"

# A reset of the Go server's second send, mid-response, as a server that
# really resets there: curl fails (56, a reset while receiving) after
# the headers.
bg python3 -u "$PROGS/reset_midway_server.py" >midway.log 2>&1
MIDWAY=$(port_from_log midway.log "the resetting server") || exit 1
real=$(requests "$MIDWAY" 1 data)
cat >cut.cfg <<CFG
rules = ( { name = "cut"; calls = ["send"]; after = 1; count = 1; fault = "reset"; } );
CFG
bg "$CTL" run -p cut.cfg -- ./go_http server >cut.log 2>&1
CUT=$(port_from_log cut.log "the Go server with a reset") || exit 1
requests "$CUT" 2 data >cut.curl
assert_eq "closed 200" "$(cut -d' ' -f1,2 <<<"$real")" "a server that resets mid-response"
assert_eq "closed 200" "$(awk 'NR == 1 {print $1, $2}' cut.curl)" "the Go server reset mid-response"
assert_num "$(awk 'NR == 1 {print $4}' cut.curl)" '<' 200000 "bytes before the reset"
assert_eq "ok 200 200000" "$(awk 'NR == 2 {print $1, $2, $4}' cut.curl)" "the next request"
