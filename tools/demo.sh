#!/usr/bin/env bash
# make demo: chaos-shim on real programs (curl and python3 against
# python3's web server) in under half a minute: a profile run, the event
# log, a live toggle, the counters, and a client's own timeout firing
# under injected latency.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
build=$(cd "${BUILD:-build}" && pwd) # make's BUILD directory
ctl=$build/chaos-shim-ctl
lib=$build/libchaos-shim.so
work=$(mktemp -d "${TMPDIR:-/tmp}/chaos-shim-demo.XXXXXX")
seg=demo-$$
server=
loop=

# Best effort, every step: a failure here must not skip the rest.
cleanup() {
	set +e
	[[ -n $loop ]] && kill "$loop" && wait "$loop"
	[[ -n $server ]] && kill "$server" && wait "$server"
	"$ctl" -s "$seg" destroy
	rm -rf "$work"
} 2>/dev/null >/dev/null
trap cleanup EXIT

bold=; plain=
[[ -t 1 ]] && bold=$'\033[1m' plain=$'\033[0m'
heading() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
say() { printf '   %s\n' "$*"; }
show() { printf '   $ %s\n' "$*"; }

# --- a real server -------------------------------------------------------
heading "A real server: python3 -m http.server"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "hello from the demo" >"$work/index.html"
(cd "$work" && exec python3 -m http.server --bind 127.0.0.1 "$port" >"$work/server.log" 2>&1) &
server=$!
for _ in $(seq 50); do
	curl -s -o /dev/null "http://127.0.0.1:$port/" && break
	sleep 0.1
done
url=http://127.0.0.1:$port/index.html
say "serving $url"

# One line per request: status and time, or why curl failed.
requests='for i in 1 2 3 4 5 6 7 8; do
	if out=$(curl -s -o /dev/null -w "HTTP %{http_code} in %{time_total}s" "$0"); then
		echo "   request $i: $out"
	else
		case $? in
		7) echo "   request $i: curl: could not connect (exit 7)" ;;
		56) echo "   request $i: curl: connection reset while reading (exit 56)" ;;
		*) echo "   request $i: curl failed (exit $?)" ;;
		esac
	fi
done'

# --- one command: a profile around a program -----------------------------
heading "1. Run curl under a profile"
cat >"$work/demo.cfg" <<EOF
# The demo's profile: a slow, unreliable path to one server.
seed = 10;
rules = (
  { name = "slow-connect"; calls = ["connect"]; peer = "127.0.0.1:$port";
    probability = 0.5; fault = "latency"; delay_ms = 300; jitter_ms = 100; },
  { name = "reset-reply"; calls = ["recv"]; peer = "127.0.0.1:$port";
    probability = 0.2; fault = "reset"; }
);
EOF
sed -n '/^rules/,$p' "$work/demo.cfg" | sed 's/^/   | /'
show "chaos-shim-ctl run -p demo.cfg --stats --log events.jsonl -- sh -c '8 x curl $url'"
"$ctl" run -p "$work/demo.cfg" --stats --log "$work/events.jsonl" -- \
	sh -c "$requests" "$url" 2>"$work/stats.txt"
say "--stats summary (stderr):"
sed 's/^/   /' "$work/stats.txt"

# --- the event log -----------------------------------------------------
heading "2. The event log (JSON lines; first three, then pretty)"
head -n 3 "$work/events.jsonl" | sed 's/^/   /'
python3 - "$work/events.jsonl" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    print(f"   {e['ts'][11:23]}  pid {e['pid']:<7} {e['call']:<8} {e['peer']:<16} "
          f"{e['fault']:<8} (rule {e['rule']})")
EOF

# --- live control ------------------------------------------------------
heading "3. Toggle a fault while the program runs"
cat >"$work/outage.cfg" <<EOF
rules = ( { name = "outage"; enabled = false; calls = ["connect"];
            peer = "127.0.0.1:$port"; fault = "reset"; } );
EOF
show "chaos-shim-ctl -s $seg load outage.cfg      # rule 'outage', disabled"
"$ctl" -s "$seg" load "$work/outage.cfg"
say "a loop of curl requests runs with CHAOS_SHIM_SEGMENT=$seg"
LD_PRELOAD=$lib CHAOS_SHIM_SEGMENT=$seg sh -c 'while :; do
	if code=$(curl -s -o /dev/null -w "%{http_code}" "$0"); then
		printf "%s " "$code"
	else
		printf "refused "
	fi
	sleep 0.2
done' "$url" >"$work/loop.log" 2>&1 &
loop=$!

# Prints what the loop did since the last call.
seen=0
watch() {
	sleep 1.2
	local all
	all=$(cat "$work/loop.log")
	say "   requests: ${all:seen}"
	seen=${#all}
}
watch
show "chaos-shim-ctl -s $seg enable outage"
"$ctl" -s "$seg" enable outage
watch
show "chaos-shim-ctl -s $seg disable outage"
"$ctl" -s "$seg" disable outage
watch
kill "$loop"
wait "$loop" 2>/dev/null || true
loop=

heading "4. Counters of the live segment"
show "chaos-shim-ctl -s $seg stats"
"$ctl" -s "$seg" stats | sed 's/^/   /'

# --- the program's own timeout -------------------------------------------
heading "5. A client's own timeout fires under injected latency"
cat >"$work/slow.cfg" <<EOF
rules = ( { name = "slow-reply"; calls = ["recv"]; peer = "127.0.0.1:$port";
            fault = "latency"; delay_ms = 3000; } );
EOF
sed -n '/^rules/,$p' "$work/slow.cfg" | sed 's/^/   | /'
cat >"$work/client.py" <<'EOF'
import sys, time, urllib.request
start = time.monotonic()
try:
    urllib.request.urlopen(sys.argv[1], timeout=1).read()
    print(f"   answered after {time.monotonic() - start:.2f} s")
except OSError as e:
    print(f"   {type(e).__name__}: {e} after {time.monotonic() - start:.2f} s")
EOF
show "chaos-shim-ctl run -p slow.cfg -- python3 client.py $url   # urlopen(timeout=1)"
"$ctl" run -p "$work/slow.cfg" -- python3 "$work/client.py" "$url" || true
say "The data is held back 3 s, so python's 1 s timeout fires, as against a"
say "server that really takes 3 s: the delay is the network's, not a sleep"
say "inside the call."

heading "Done"
say "profiles/ holds ready scenarios; see README.md and docs/."
