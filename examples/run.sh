#!/usr/bin/env bash
# Retries with and without idempotency keys, under profiles/flaky-network.cfg.
#
# A payments server (payments_server.py) keeps a ledger; a client
# (payments_client.py) sends COUNT transfers and retries the ones whose
# connection was reset. The client runs under chaos-shim with a fixed
# seed, so both runs meet resets at about the same calls. With keys,
# the ledger holds each transfer once; without, a transfer the server had
# applied before the reset is applied again.
#
#   examples/run.sh [COUNT] [SEED]      (after `make`; exit 0 when the
#                                        story holds, 1 when it does not)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${BUILD:-$here/../build}" && pwd)
ctl=$build/chaos-shim-ctl
count=${1:-40}
seed=${2:-7}
work=$(mktemp -d "${TMPDIR:-/tmp}/chaos-shim-example.XXXXXX")
server=
cleanup() {
	if [[ -n $server ]]; then
		kill "$server" 2>/dev/null
		wait "$server" 2>/dev/null || true # it ends by our signal
	fi
	rm -rf "$work"
}
trap cleanup EXIT

: >"$work/server.log"
python3 -u "$here/payments_server.py" "$work/ledger.jsonl" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
	port=$(sed -n 's/^port //p' "$work/server.log")
	[[ -n $port ]] && break
	sleep 0.1
done
[[ -n $port ]] || { echo "the server did not start: $(cat "$work/server.log")" >&2; exit 1; }

# run MODE: the client under the profile; prints what it, the event log
# and the ledger say, and sets APPLIED and RESETS.
run() {
	local mode=$1
	: >"$work/ledger.jsonl"
	rm -f "$work/events.jsonl"
	"$ctl" run -p "$here/../profiles/flaky-network.cfg" --seed "$seed" \
		--log "$work/events.jsonl" -- \
		python3 "$here/payments_client.py" "$port" "$count" $mode \
		>"$work/client.out" 2>"$work/client.err" ||
		{ echo "the client failed: $(cat "$work/client.err")" >&2; exit 1; }
	APPLIED=$(wc -l <"$work/ledger.jsonl")
	RESETS=$(grep -c '"fault":"reset"' "$work/events.jsonl" || true)
	echo "   client:     $(cat "$work/client.out")"
	echo "   event log:  $RESETS connection(s) reset by the profile"
	echo "   ledger:     $APPLIED transfers applied for $count sent"
}

# A single-threaded client makes the same calls each run, but how a
# response is split across reads varies, so a seed does not always meet a
# reset on the same request: try the next seeds until one shows both.
for ((try = 0; try < 10; try++, seed++)); do
	echo "== $count transfers with idempotency keys, flaky-network.cfg, seed $seed"
	run ""
	((APPLIED == count)) || { echo "with keys, $APPLIED transfers were applied for $count sent" >&2; exit 1; }
	((RESETS > 0)) || { echo "   (no reset under this seed: next seed)"; continue; }
	echo "== the same transfers without keys, same profile and seed"
	run --no-keys
	((APPLIED > count)) && break
	echo "   (no applied transfer was reset this time: next seed)"
done
echo
if ((APPLIED <= count)); then
	echo "no seed from ${2:-7} to $seed showed a double application" >&2
	exit 1
fi
echo "With keys every retry was recognised: each transfer was applied once."
echo "Without keys $((APPLIED - count)) transfer(s) were applied twice: the server had applied them before the reset."
