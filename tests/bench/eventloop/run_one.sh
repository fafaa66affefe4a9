#!/usr/bin/env bash
# One sample of event-loop isolation. Starts SERVER (redis, nginx with one
# worker, node or asyncio) under the shim, attached to a fresh segment
# whose one rule delays by 200 ms what the server receives from one extra
# client: `local` is the server's port, `peer` the extra client's source
# port. MODE "slowed" enables the rule, "free" loads it disabled, "paced"
# loads it disabled and has the extra client wait 200 ms before each
# request (the same traffic without the rule: the real condition). The extra
# client sends request after request while a load generator (redis-benchmark
# -c 50, or wrk -c 50) measures everyone else. Prints the others' latency
# "P50_MS P99_MS" and how many of the extra client's receives were delayed.
# Usage: run_one.sh redis|nginx|node|asyncio free|slowed|paced AMOUNT
#   AMOUNT: requests for redis-benchmark, seconds for wrk
set -euo pipefail
cd "$(dirname "$0")/../../.."
(($# == 3)) || { echo "usage: run_one.sh SERVER free|slowed|paced AMOUNT" >&2; exit 2; }
server=$1 mode=$2 amount=$3
BUILD=${BUILD:-build}
SHIM=$PWD/$BUILD/libchaos-shim.so
CTL=$PWD/$BUILD/chaos-shim-ctl
here=tests/bench/eventloop
tmp=$(mktemp -d "${TMPDIR:-/tmp}/chaos-shim-eventloop.XXXXXX")
seg=bench-eventloop-$$
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	"$CTL" -s "$seg" destroy >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

read -r port source < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')

enabled=false
[[ $mode == slowed ]] && enabled=true
cat >"$tmp/rule.cfg" <<CFG
rules = ( { name = "slow-one"; enabled = $enabled; calls = ["recv"];
            local = "127.0.0.1:$port"; peer = "127.0.0.1:$source";
            fault = "latency"; delay_ms = 200; } );
CFG
"$CTL" -s "$seg" load "$tmp/rule.cfg" >/dev/null

# A plain command in front (no function), so that $! is the server itself.
under_shim=(env "LD_PRELOAD=$SHIM" "CHAOS_SHIM_SEGMENT=$seg")

kind=http
case $server in
redis)
	kind=redis
	"${under_shim[@]}" redis-server --port "$port" --bind 127.0.0.1 --save '' \
		--appendonly no --logfile /dev/null &
	;;
nginx)
	mkdir -p "$tmp/www"
	echo hello >"$tmp/www/index.html"
	cat >"$tmp/nginx.conf" <<CONF
worker_processes 1;
master_process off;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	keepalive_requests 10000000;
	client_body_temp_path $tmp/body;
	proxy_temp_path $tmp/proxy;
	fastcgi_temp_path $tmp/fastcgi;
	uwsgi_temp_path $tmp/uwsgi;
	scgi_temp_path $tmp/scgi;
	server { listen 127.0.0.1:$port; root $tmp/www; }
}
CONF
	"${under_shim[@]}" nginx -c "$tmp/nginx.conf" -p "$tmp" 2>>"$tmp/error.log" &
	;;
node) "${under_shim[@]}" node "$here/node_http.js" "$port" & ;;
asyncio) "${under_shim[@]}" python3 "$here/asyncio_http.py" "$port" & ;;
*) echo "run_one.sh: unknown server '$server'" >&2; exit 2 ;;
esac
pids+=($!)

for ((i = 0; i < 100; i++)); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.05
done

pace=()
[[ $mode == paced ]] && pace=(200)
python3 "$here/extra_client.py" "$port" "$source" "$kind" "${pace[@]}" &
pids+=($!)
sleep 0.5 # the extra client's requests are flowing

if [[ $server == redis ]]; then
	redis-benchmark -h 127.0.0.1 -p "$port" -c 50 -n "$amount" -t get --csv |
		python3 -c '
import csv, sys
rows = [r for r in csv.reader(sys.stdin) if r and r[0] == "GET"]
head = ["test", "rps", "avg", "min", "p50", "p95", "p99", "max"]
row = dict(zip(head, rows[-1]))
print(row["p50"], row["p99"], end=" ")'
else
	wrk -t 1 -c 50 -d "${amount}s" --latency "http://127.0.0.1:$port/" |
		python3 -c '
import re, sys
scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}
text = sys.stdin.read()
got = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+(?:us|ms|s))\s*$", text, re.M))
if len(got) < 2:
    sys.exit("run_one.sh: no latency distribution in the output of wrk:\n" + text)
ms = lambda t: float(re.match(r"[\d.]+", t).group()) * scale[re.search(r"[a-z]+$", t).group()]
print("%.3f %.3f" % (ms(got["50"]), ms(got["99"])), end=" ")'
fi
"$CTL" -s "$seg" stats --json |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["rules"][0]["injected"])'
