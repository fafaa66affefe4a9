#!/usr/bin/env bash
# Runs CMD with a socat hop from LISTEN_PORT to TARGET_PORT on 127.0.0.1:
# the cost of a userspace proxy in the path, as proxy-based injectors such
# as Toxiproxy put there.
set -euo pipefail
(($# >= 3)) || { echo "usage: via_socat.sh LISTEN_PORT TARGET_PORT CMD..." >&2; exit 2; }
listen=$1 target=$2
shift 2

socat "TCP-LISTEN:$listen,bind=127.0.0.1,reuseaddr,fork,nodelay,backlog=128" "TCP:127.0.0.1:$target,nodelay" &
proxy=$!
trap 'kill $proxy 2>/dev/null; wait $proxy 2>/dev/null || true' EXIT
for ((i = 0; i < 100; i++)); do
	[[ -n $(ss -Hltn "sport = :$listen") ]] && break
	sleep 0.02
done
"$@"
