#!/usr/bin/env bash
# Installs what the benchmark measures against (its peers) and with (redis,
# valgrind, strace, gnuplot, and the event-loop servers redis and nginx
# with the load generator wrk) from Debian packages when run as root; as
# another user prints the apt-get line. Exits 0 when everything is there,
# 1 when something is missing, so that run.sh can skip those rows.
set -uo pipefail

FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1

# One entry per need: the package, and the file that shows it installed.
needs=(
	"faketime $FAKETIME_LIB"
	"fiu-utils /usr/bin/fiu-run"
	"trickle /usr/bin/trickle"
	"socat /usr/bin/socat"
	"redis-server /usr/bin/redis-server"
	"redis-tools /usr/bin/redis-benchmark"
	"nginx-light /usr/sbin/nginx"
	"wrk /usr/bin/wrk"
	"valgrind /usr/bin/valgrind"
	"strace /usr/bin/strace"
	"gnuplot-nox /usr/bin/gnuplot"
)

missing=()
for need in "${needs[@]}"; do
	read -r pkg file <<<"$need"
	[[ -e $file ]] || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

if (($(id -u) == 0)); then
	echo "bench: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get install -y --no-install-recommends "${missing[@]}" ||
		{ apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; }; } >&2 &&
		exit 0
	echo "bench: could not install ${missing[*]}" >&2
else
	echo "bench: missing packages; to measure against them, run:" >&2
	echo "  sudo apt-get install ${missing[*]}" >&2
fi
exit 1
