#!/usr/bin/env bash
# One redis row: starts redis-server on SERVER_PORT, runs redis-benchmark
# (SET and GET, 50 clients) against CLIENT_PORT (the same port, or a proxy
# in front of it), prints "SET_RPS GET_RPS" and stops the server. Run it
# under the shim and both programs are under the shim.
set -euo pipefail
(($# == 3)) || { echo "usage: redis_pair.sh SERVER_PORT CLIENT_PORT REQUESTS" >&2; exit 2; }
server_port=$1 client_port=$2 requests=$3

# Server and client share one CPU: left to the scheduler (or each on a CPU
# of its own, on a 2-core machine shared with other work) where they land
# moves requests per second by far more than the shim could.
redis-server --port "$server_port" --bind 127.0.0.1 --save '' --appendonly no \
	--logfile /dev/null &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT

for ((i = 0; i < 100; i++)); do
	[[ $(redis-cli -p "$server_port" ping 2>/dev/null) == PONG ]] && break
	sleep 0.05
done

taskset -pc 0 "$server" >/dev/null
taskset -c 0 redis-benchmark -h 127.0.0.1 -p "$client_port" -n "$requests" -c 50 -t set,get --csv |
	awk -F'"' '$2 == "SET" { set = $4 } $2 == "GET" { get = $4 }
		END { if (set == "" || get == "") exit 1; print set, get }'
