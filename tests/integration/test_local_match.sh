# local matching: a python3 HTTP server under the shim resets its accepted
# connections on recv (`local = "*:PORT"`); curl, the client, sees the reset.
. "$(dirname "$0")/lib.sh"
need curl

port=$(free_port)
# The server reads, and so resets, as soon as it accepts: curl could see
# the RST while still finishing its connect (exit 7). Accepting 100 ms late
# lets curl send its request first, so it sees the reset while reading.
cat >server.cfg <<CFG
rules = (
  { name = "server-reset"; calls = ["recv"]; local = "*:$port"; fault = "reset"; },
  { name = "late-accept"; calls = ["accept"]; local = "*:$port"; fault = "latency"; delay_ms = 100; }
);
CFG
bg env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=server.cfg \
	python3 -m http.server --bind 127.0.0.1 "$port" >http.log 2>&1
wait_port "$port"
echo hello >index.html
assert_exit 56 curl -sS -o /dev/null "http://127.0.0.1:$port/index.html"
assert_match 'reset' "$ERR" "curl's message"
kill "$BG_PID"

# The same server with a rule on another local port answers normally.
port=$(free_port)
cat >other.cfg <<CFG
rules = ( { name = "elsewhere"; calls = ["recv"]; local = "*:$((port == 65535 ? 1 : port + 1))";
            fault = "reset"; } );
CFG
bg env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=other.cfg \
	python3 -m http.server --bind 127.0.0.1 "$port" >http2.log 2>&1
wait_port "$port"
assert_exit 0 curl -sS "http://127.0.0.1:$port/index.html"
assert_eq hello "$OUT" "body served with a rule on another port"
