# kill fault: the process gets the signal at the matching call, and
# chaos-shim-ctl run reports it as 128 + N.
. "$(dirname "$0")/lib.sh"
need curl

port=$(free_port)
cat >term.cfg <<CFG
rules = ( { name = "term"; calls = ["connect"]; peer = "127.0.0.1:$port";
            fault = "kill"; signal = "SIGTERM"; } );
CFG
assert_exit 143 "$CTL" run -p term.cfg -- curl -sS "http://127.0.0.1:$port/"

# after = 1, count = 1: the first connect passes, the second one kills.
start_echo_server
cat >second.cfg <<CFG
rules = ( { name = "second"; calls = ["connect"]; peer = "127.0.0.1:$ECHO_PORT";
            after = 1; count = 1; fault = "kill"; signal = "KILL"; } );
CFG
assert_exit 137 "$CTL" run -p second.cfg -- python3 "$PROGS/tcp_client.py" "$ECHO_PORT" --times 3
assert_match '^ok n=16 ' "$OUT" "output before the kill"
assert_eq 1 "$(grep -c . <<<"$OUT")" "attempts printed before the kill"
