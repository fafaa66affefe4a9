# connect under drop behaves as a real blackhole (a listener whose backlog
# is full and never accepted): curl --connect-timeout 2 exits 28 at about
# 2 s in both cases, without burning CPU; python3's connect with its own
# timeout raises it; with hang_ms the connect times out with ETIMEDOUT;
# node's net.connect timeout fires at 1 s while its timers keep ticking.
. "$(dirname "$0")/lib.sh"
need curl

# A real blackhole on loopback: listen(0), the backlog filled, no accept.
cat >full_backlog.py <<'PY'
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
print("port", s.getsockname()[1], flush=True)
held = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(s.getsockname())
    except BlockingIOError: pass
    held.append(c)
time.sleep(300)
PY
bg python3 -u full_backlog.py >full.log 2>&1
FULL=$(port_from_log full.log "full-backlog listener") || exit 1
start_http_server

cat >drop.cfg <<CFG
rules = ( { name = "blackhole"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT";
            fault = "drop"; } );
CFG
cat >hang.cfg <<CFG
rules = ( { name = "blackhole"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT";
            fault = "drop"; hang_ms = 700; } );
CFG

# timed_curl PORT [shim args...]: curl's exit status, seconds and CPU.
timed_curl() {
	local port=$1
	shift
	/usr/bin/time -f '%e %U %S' -o time.out "$@" curl -sS -o /dev/null \
		--connect-timeout 2 "http://127.0.0.1:$port/index.html" 2>curl.err
	echo "$? $(cat time.out | tail -n 1)"
}

need /usr/bin/time
real=$(timed_curl "$FULL")
shim=$(timed_curl "$HTTP_PORT" "$CTL" run -p drop.cfg --)
for seen in "$real" "$shim"; do
	read -r rc secs user sys <<<"$seen"
	assert_eq 28 "$rc" "curl's exit status against a blackhole"
	assert_num "$secs" '>=' 1.8 "seconds until curl gave up"
	assert_num "$secs" '<=' 2.8 "seconds until curl gave up"
	assert_num "$user + $sys" '<' 0.3 "CPU seconds curl spent waiting"
done

# python3 with its own 1 s timeout: TimeoutError at 1 s, as for real.
client() { # port timeout
	python3 - "$@" <<'PY'
import socket, sys, time
t = time.monotonic()
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=float(sys.argv[2]))
    print("connected t=%.3f" % (time.monotonic() - t))
except OSError as e:
    print("err %s %s t=%.3f" % (type(e).__name__, e.errno, time.monotonic() - t))
PY
}
real=$(client "$FULL" 1)
assert_exit 0 "$CTL" run -p drop.cfg -- bash -c "$(declare -f client); client $HTTP_PORT 1"
for seen in "$real" "$OUT"; do
	assert_match '^err TimeoutError None t=' "$seen" "python3 connect with timeout 1 into a blackhole"
	assert_num "${seen##*t=}" '>=' 0.8 "seconds until python3 gave up"
	assert_num "${seen##*t=}" '<=' 1.6 "seconds until python3 gave up"
done

# hang_ms: the SYN is given up on after 0.7 s, SO_ERROR = ETIMEDOUT.
assert_exit 0 "$CTL" run -p hang.cfg -- bash -c "$(declare -f client); client $HTTP_PORT 5"
assert_match '^err TimeoutError 110 t=' "$OUT" "python3 connect under drop with hang_ms = 700"
assert_num "${OUT##*t=}" '>=' 0.6 "seconds until the connect timed out"
assert_num "${OUT##*t=}" '<=' 1.5 "seconds until the connect timed out"

# Latency on connect: python3 connects, late.
cat >slow.cfg <<CFG
rules = ( { name = "slow"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT";
            fault = "latency"; delay_ms = 500; } );
CFG
assert_exit 0 "$CTL" run -p slow.cfg -- bash -c "$(declare -f client); client $HTTP_PORT 5"
assert_match '^connected t=' "$OUT" "python3 connect under latency"
assert_num "${OUT##*t=}" '>=' 0.45 "seconds until connected"
assert_num "${OUT##*t=}" '<=' 1.5 "seconds until connected"

# node does not start with a sanitizer runtime that the shim pulls in late
# (chaos-shim-ctl run preloads only the shim).
command -v node >/dev/null && [[ -z ${CS_SANITIZER:-} ]] || exit 0
cat >connect.js <<'JS'
const net = require('net');
let last = Date.now(), gap = 0;
const tick = setInterval(() => { const n = Date.now(); gap = Math.max(gap, n - last); last = n; }, 10);
const start = Date.now();
const s = net.connect({ host: '127.0.0.1', port: +process.argv[2], timeout: 1000 });
const done = (what) => {
  console.log(`${what} t=${((Date.now() - start) / 1000).toFixed(3)} gap=${gap}`);
  clearInterval(tick); s.destroy();
};
s.on('timeout', () => done('timeout'));
s.on('connect', () => done('connected'));
s.on('error', (e) => done('error ' + e.code));
JS
real=$(node connect.js "$FULL")
assert_exit 0 "$CTL" run -p drop.cfg -- node connect.js "$HTTP_PORT"
for seen in "$real" "$OUT"; do
	assert_match '^timeout t=' "$seen" "node net.connect with a 1 s timeout into a blackhole"
	t=${seen#*t=}
	assert_num "${t%% *}" '>=' 0.8 "seconds until node's timeout fired"
	assert_num "${t%% *}" '<=' 1.6 "seconds until node's timeout fired"
	assert_num "${seen##*gap=}" '<' 250 "largest gap between node's 10 ms ticks (ms)"
done
