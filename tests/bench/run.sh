#!/usr/bin/env bash
# The benchmark suite behind `make bench`. Runs every row interleaved
# (native, shim, peers, native, shim, peers...) so that drift hits all of
# them alike, keeps each sample with the command that produced it in
# build/bench/samples.tsv, and hands them to report.py (table, Markdown,
# CSV) and gnuplot (the plot).
#   BENCH_QUICK=1  a smoke run of a few seconds
#   BENCH_DOCS=1   also rewrite the table in docs/PERFORMANCE.md and
#                  docs/performance.png
#   BENCH_ONLY="eventloop accuracy"  only these sections (calls, trap,
#                  rate, instr, syscalls, accuracy, toggle, eventloop)
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
OUT=$BUILD/bench
BENCH=$OUT/bench_calls
PROBE=$OUT/toggle_probe
SHIM=$BUILD/libchaos-shim.so
CTL=$BUILD/chaos-shim-ctl
PROF=tests/bench/profiles
FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
SAMPLES=$OUT/samples.tsv
ERRLOG=$OUT/stderr.log

# The native rows must be native whatever the caller's shell has.
unset LD_PRELOAD CHAOS_SHIM_SEGMENT CHAOS_SHIM_PROFILE CHAOS_SHIM_LOG \
	CHAOS_SHIM_SEED CHAOS_SHIM_LIB

if [[ ${BENCH_QUICK:-0} == 1 ]]; then
	ROUNDS=3 RATE_ROUNDS=3 BULK_ROUNDS=3 BULK_MIB=64 REDIS_N=5000 TOGGLES=5 BW_MIB=1
	N_CLOCK=200000 N_PAIR=10000 N_TCP=4000 N_FILE=20000 N_GO=300
	CG_CLOCK=10000 CG_NET=1000 STRACE_N=10000
	ACC_CALLS=(50 20 5)
	EPOLL_CALLS=(20 5)
	EVL_ROUNDS=1 EVL_REQUESTS=300 EVL_SECONDS=1
else
	ROUNDS=9 RATE_ROUNDS=9 BULK_ROUNDS=9 BULK_MIB=1024 REDIS_N=100000 TOGGLES=50 BW_MIB=4
	N_CLOCK=2000000 N_PAIR=100000 N_TCP=40000 N_FILE=200000 N_GO=5000
	CG_CLOCK=100000 CG_NET=10000 STRACE_N=100000
	ACC_CALLS=(1000 1000 1000)
	EPOLL_CALLS=(1000 300)
	EVL_ROUNDS=3 EVL_REQUESTS=2000 EVL_SECONDS=5
fi
ACC_MS=(1 10 100)
EPOLL_MS=(10 100)
# Rows of the callgrind section alone, for the other interposers:
# native, idle and attached.
INSTR_ONLY_ROWS=(sendfile splice mmsg copy_file_range poll epoll_wait select)

# True when section $1 is to run (BENCH_ONLY empty: all of them).
wanted() {
	[[ -z ${BENCH_ONLY:-} || " $BENCH_ONLY " == *" $1 "* ]]
}

for f in "$BENCH" "$PROBE" "$SHIM" "$CTL"; do
	[[ -x $f || -f $f ]] || { echo "bench: '$f' is missing (run make bench)" >&2; exit 1; }
done
mkdir -p "$OUT"
: >"$SAMPLES"
: >"$ERRLOG"
FAILED=0

tests/bench/setup.sh || echo "bench: rows whose tools are missing are skipped" >&2

# True when the tool a variant needs is installed.
have() {
	case $1 in
	libfaketime) [[ -f $FAKETIME_LIB ]] ;;
	libfiu) command -v fiu-run >/dev/null ;;
	trickle) command -v trickle >/dev/null ;;
	socat) command -v socat >/dev/null && command -v ss >/dev/null ;;
	*) true ;;
	esac
}

# The words put in front of a command to run it as variant $1; $2 is the
# family (clock or net) whose profiles the shim variants load.
prefix() {
	case $1 in
	native) PFX=() ;;
	idle) PFX=(env "LD_PRELOAD=$SHIM") ;;
	attached | zero) PFX=("$CTL" run -p "$PROF/$1-$2.cfg" --) ;;
	libfaketime) PFX=(env "LD_PRELOAD=$FAKETIME_LIB" FAKETIME=+1d) ;;
	libfiu) PFX=(fiu-run -x) ;;
	trickle) PFX=(trickle -s -d 10000000 -u 10000000) ;;
	trap_idle) PFX=("$CTL" run --trap -p "$PROF/none.cfg" --) ;;
	trap_attached) PFX=("$CTL" run --trap -p "$PROF/attached-$2.cfg" --) ;;
	esac
}

# record SECTION ROW VARIANT ROUND VALUE COMMAND
record() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$SAMPLES"
}

# sample SECTION "ROW..." VARIANT ROUND CMD...: runs CMD and records each
# number it prints as the sample of the row in the same position.
sample() {
	local section=$1 round=$4 out
	local -a names values
	read -ra names <<<"$2"
	local variant=$3
	shift 4
	if ! out=$("$@" 2>>"$ERRLOG") || [[ -z $out ]]; then
		echo "bench: failed: $*" >&2
		FAILED=$((FAILED + 1))
		return 1
	fi
	read -ra values <<<"$out"
	local i
	for i in "${!names[@]}"; do
		record "$section" "${names[i]}" "$variant" "$round" "${values[i]}" "$*"
	done
}

# interleave SECTION "ROW..." ROUNDS BUILDER "VARIANT...": BUILDER VARIANT
# fills CMD; every round runs each variant once, in the same order.
interleave() {
	local section=$1 rows=$2 rounds=$3 builder=$4 round v
	local -a variants
	read -ra variants <<<"$5"
	for ((round = 1; round <= rounds; round++)); do
		for v in "${variants[@]}"; do
			have "$v" || continue
			"$builder" "$v"
			sample "$section" "$rows" "$v" "$round" "${CMD[@]}"
		done
	done
}

# Intercepted calls in one iteration of a row's loop.
calls_of() {
	case $1 in
	socketpair | tcp) echo 4 ;;
	splice) echo 3 ;;
	file | sendfile | mmsg) echo 2 ;;
	*) echo 1 ;;
	esac
}

family_of() {
	case $1 in
	clock_gettime | gettimeofday | time) echo clock ;;
	*) echo net ;;
	esac
}

iterations_of() {
	case $1 in
	socketpair) echo "$N_PAIR" ;;
	tcp) echo "$N_TCP" ;;
	file) echo "$N_FILE" ;;
	*) echo "$N_CLOCK" ;;
	esac
}

ROW=
call_cmd() {
	local n
	n=$(iterations_of "$ROW")
	# A trapped call costs microseconds: a tenth of the loop is enough.
	[[ $1 == trap_* ]] && n=$((n / 10))
	prefix "$1" "$(family_of "$ROW")"
	CMD=("${PFX[@]}" "$BENCH" "$ROW" "$n")
}

go_cmd() {
	prefix "$1" net
	CMD=("${PFX[@]}" "$OUT/go_http" rate "http://127.0.0.1:$GO_PORT/data" "$N_GO")
}

read -r BULK_PORT BULK_PROXY REDIS_PORT REDIS_PROXY < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')

bulk_cmd() {
	if [[ $1 == socat ]]; then
		CMD=(tests/bench/via_socat.sh "$BULK_PROXY" "$BULK_PORT"
			"$BENCH" tcp_bulk "$BULK_MIB" "$BULK_PORT" "$BULK_PROXY")
	else
		prefix "$1" net
		CMD=("${PFX[@]}" "$BENCH" tcp_bulk "$BULK_MIB")
	fi
}

redis_cmd() {
	if [[ $1 == socat ]]; then
		CMD=(tests/bench/via_socat.sh "$REDIS_PROXY" "$REDIS_PORT"
			tests/bench/redis_pair.sh "$REDIS_PORT" "$REDIS_PROXY" "$REDIS_N")
	else
		prefix "$1" net
		CMD=("${PFX[@]}" tests/bench/redis_pair.sh "$REDIS_PORT" "$REDIS_PORT" "$REDIS_N")
	fi
}

# Callgrind counts the instructions of the timed loop alone; divided by
# the calls it made, that is the cost of one call, stable under noise.
instructions() {
	local row=$1 v=$2 n log=$OUT/callgrind.log
	n=$([[ $(family_of "$row") == clock ]] && echo "$CG_CLOCK" || echo "$CG_NET")
	prefix "$v" "$(family_of "$row")"
	CMD=("${PFX[@]}" valgrind --tool=callgrind --callgrind-out-file=/dev/null
		--toggle-collect=timed --log-file="$log" "$BENCH" "$row" "$n")
	rm -f "$log"
	if ! "${CMD[@]}" >/dev/null 2>>"$ERRLOG"; then
		echo "bench: failed: ${CMD[*]}" >&2
		FAILED=$((FAILED + 1))
		return
	fi
	local ir
	ir=$(awk '/Collected :/ { print $NF }' "$log")
	record instr "$row" "$v" 1 \
		"$(awk -v ir="$ir" -v n="$n" -v c="$(calls_of "$row")" 'BEGIN { printf "%.2f", ir / n / c }')" \
		"${CMD[*]}"
}

# Syscalls per intercepted call: strace counts a short and a long run, and
# the difference divided by the extra calls leaves start-up out.
syscalls_per_call() {
	local row=$1 v=$2 n total short long extra=$3
	prefix "$v" "$(family_of "$row")"
	for n in 1000 $((extra + 1000)); do
		strace -f -c -o "$OUT/strace.txt" "${PFX[@]}" "$BENCH" "$row" "$n" \
			>/dev/null 2>>"$ERRLOG" || { FAILED=$((FAILED + 1)); return; }
		total=$(awk '$NF == "total" { print $4 }' "$OUT/strace.txt")
		[[ $n == 1000 ]] && short=$total || long=$total
	done
	# bench_calls runs n + n/10 + 1 iterations (the warm-up included).
	record syscalls "$row" "$v" 1 \
		"$(awk -v d=$((long - short)) -v n="$extra" -v c="$(calls_of "$row")" \
			'BEGIN { printf "%.4f", d / (n + n / 10) / c }')" \
		"strace -f -c ${PFX[*]} $BENCH $row N"
}

SEGMENTS=()
cleanup() {
	local seg
	for seg in "${SEGMENTS[@]}"; do
		"$CTL" -s "$seg" destroy >/dev/null 2>&1
	done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

new_segment() {
	SEG="bench-$$-$1"
	SEGMENTS+=("$SEG")
	"$CTL" -s "$SEG" load "$PROF/$2" 2>>"$ERRLOG"
}

machine() {
	echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
	echo "cpus=$(nproc)"
	echo "kernel=$(uname -sr)"
	echo "glibc=$(getconf GNU_LIBC_VERSION)"
	echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
	echo "quick=${BENCH_QUICK:-0}"
	echo "rounds=$ROUNDS"
	echo "rate_rounds=$RATE_ROUNDS"
	echo "bulk_rounds=$BULK_ROUNDS"
	echo "acc_calls=${ACC_CALLS[*]}"
	echo "toggles=$TOGGLES"
	echo "bulk_mib=$BULK_MIB"
	echo "redis_n=$REDIS_N"
	echo "epoll_calls=${EPOLL_CALLS[*]}"
	echo "eventloop=$EVL_ROUNDS $EVL_REQUESTS $EVL_SECONDS"
}
machine >"$OUT/machine.txt"
echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"

if wanted calls; then
	echo "bench: per-call rows ($ROUNDS interleaved rounds)" >&2
	for ROW in clock_gettime gettimeofday time; do
		interleave calls "$ROW" "$ROUNDS" call_cmd "native idle attached zero libfaketime"
	done
	for ROW in socketpair tcp file; do
		interleave calls "$ROW" "$ROUNDS" call_cmd "native idle attached zero libfiu trickle"
	done
fi

# The seccomp supervisor of run --trap, for programs the preload cannot
# see: every trapped call, socket or file, goes through it.
if wanted trap; then
	echo "bench: run --trap rows ($ROUNDS interleaved rounds)" >&2
	for ROW in socketpair tcp file; do
		interleave trap "$ROW" "$ROUNDS" call_cmd "native attached trap_idle trap_attached"
	done
	# A Go HTTP client (which the preload cannot see) against a Go
	# server that runs untrapped.
	if command -v go >/dev/null; then
		GOCACHE=$PWD/$OUT/gocache GOPATH=$PWD/$OUT/gopath GO111MODULE=off \
			go build -o "$OUT/go_http" tests/integration/progs/go_http.go 2>>"$ERRLOG" ||
			FAILED=$((FAILED + 1))
		"$OUT/go_http" server 100 >"$OUT/go_server.log" 2>>"$ERRLOG" &
		GO_SERVER=$!
		for ((i = 0; i < 100; i++)); do
			GO_PORT=$(sed -n 's/^port //p' "$OUT/go_server.log")
			[[ -n $GO_PORT ]] && break
			sleep 0.1
		done
		ROW=go_http
		interleave trap go_http "$ROUNDS" go_cmd "native trap_idle trap_attached"
		kill "$GO_SERVER"
		wait "$GO_SERVER" 2>/dev/null
	else
		echo "bench: the Go HTTP client row needs go (Debian: golang-go)" >&2
	fi
fi

if wanted rate; then
	echo "bench: throughput rows ($BULK_ROUNDS and $RATE_ROUNDS interleaved rounds)" >&2
	interleave rate tcp_bulk "$BULK_ROUNDS" bulk_cmd "native idle attached zero socat"
	if command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null; then
		interleave rate "redis_set redis_get" "$RATE_ROUNDS" redis_cmd \
			"native idle attached zero socat"
	fi
fi

if wanted instr && command -v valgrind >/dev/null; then
	echo "bench: instructions per call (callgrind)" >&2
	for row in clock_gettime gettimeofday time socketpair tcp file; do
		peer=$([[ $(family_of "$row") == clock ]] && echo libfaketime || echo libfiu)
		for v in native idle attached zero $peer; do
			have "$v" && instructions "$row" "$v"
		done
	done
	for row in "${INSTR_ONLY_ROWS[@]}"; do
		for v in native idle attached; do
			instructions "$row" "$v"
		done
	done
fi

if wanted syscalls && command -v strace >/dev/null; then
	echo "bench: syscalls per intercepted call (strace)" >&2
	for v in native zero libfaketime; do
		have "$v" && syscalls_per_call clock_gettime "$v" "$STRACE_N"
	done
	for v in native attached zero; do
		syscalls_per_call socketpair "$v" $((STRACE_N / 10))
	done
fi

# delay_rows NAME PROFILE SAMPLER ROW_PREFIX "MS..." "CALLS...": for each
# delay, sets the profile's rule `delay` to it on a fresh segment, runs
# `bench_calls SAMPLER CALLS` under the shim and records each sample's
# error (its time minus the delay) as row ROW_PREFIX_<MS>ms.
delay_rows() {
	local name=$1 profile=$2 sampler=$3 prefix=$4 i ms n cmd err
	local -a all_ms all_n
	read -ra all_ms <<<"$5"
	read -ra all_n <<<"$6"
	new_segment "$name" "$profile" || { FAILED=$((FAILED + 1)); return; }
	for i in "${!all_ms[@]}"; do
		ms=${all_ms[i]} n=${all_n[i]}
		"$CTL" -s "$SEG" set delay "delay_ms=$ms" 2>>"$ERRLOG" || { FAILED=$((FAILED + 1)); continue; }
		cmd="$CTL -s NAME load $PROF/$profile; $CTL -s NAME set delay delay_ms=$ms;"
		cmd+=" CHAOS_SHIM_SEGMENT=NAME LD_PRELOAD=$SHIM $BENCH $sampler $n"
		CHAOS_SHIM_SEGMENT=$SEG LD_PRELOAD=$SHIM "$BENCH" "$sampler" "$n" 2>>"$ERRLOG" |
			awk -v want=$((ms * 1000000)) '{ print $1 - want }' >"$OUT/delays.txt"
		[[ -s $OUT/delays.txt ]] || FAILED=$((FAILED + 1))
		while read -r err; do
			record accuracy "${prefix}_${ms}ms" zero 1 "$err" "$cmd"
		done <"$OUT/delays.txt"
	done
}

if wanted accuracy; then
	echo "bench: accuracy of injected latency and bandwidth" >&2
	delay_rows latency latency.cfg delay_samples latency "${ACC_MS[*]}" "${ACC_CALLS[*]}"
	# The same delays as an event loop gets them: an epoll client on a
	# non-blocking socket, the rule on its receives.
	delay_rows epoll latency-recv.cfg epoll_delay_samples epoll "${EPOLL_MS[*]}" "${EPOLL_CALLS[*]}"
	CMD=("$CTL" run -p "$PROF/bandwidth.cfg" -- "$BENCH" tcp_bulk "$BW_MIB")
	sample bandwidth recv_cap_2MiB zero 1 "${CMD[@]}"
fi

if wanted toggle; then
	echo "bench: live toggle ($TOGGLES toggles)" >&2
	if new_segment toggle toggle.cfg; then
		cmd="$CTL -s NAME load $PROF/toggle.cfg; $PROBE drive $CTL $SHIM NAME fail-send $TOGGLES"
		"$PROBE" drive "$CTL" "$SHIM" "$SEG" fail-send "$TOGGLES" 2>>"$ERRLOG" >"$OUT/toggles.txt" ||
			FAILED=$((FAILED + 1))
		while read -r ns; do
			record toggle live_toggle zero 1 "$ns" "$cmd"
		done <"$OUT/toggles.txt"
	else
		FAILED=$((FAILED + 1))
	fi
fi

# Event-loop isolation: one client of a server slowed 200 ms on the server
# side, the others measured with and without the rule, and without it while
# that client paces its requests 200 ms apart (paced), rounds interleaved.
server_ready() {
	case $1 in
	redis) command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null ;;
	nginx) command -v nginx >/dev/null && command -v wrk >/dev/null ;;
	node) command -v node >/dev/null && command -v wrk >/dev/null ;;
	asyncio) command -v wrk >/dev/null ;;
	esac
}
if wanted eventloop; then
	echo "bench: event-loop isolation ($EVL_ROUNDS interleaved rounds)" >&2
	for ((round = 1; round <= EVL_ROUNDS; round++)); do
		for server in redis nginx node asyncio; do
			server_ready "$server" || continue
			amount=$([[ $server == redis ]] && echo "$EVL_REQUESTS" || echo "$EVL_SECONDS")
			for mode in free paced slowed; do
				sample eventloop "${server}_p50 ${server}_p99 ${server}_delayed" "$mode" "$round" \
					tests/bench/eventloop/run_one.sh "$server" "$mode" "$amount"
			done
		done
	done
fi

echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"

DOCS=()
[[ ${BENCH_DOCS:-0} == 1 ]] && DOCS=(--docs docs/PERFORMANCE.md)
python3 tests/bench/report.py "$OUT" "${DOCS[@]}" || exit 1
if wanted calls && command -v gnuplot >/dev/null; then
	gnuplot -e "dir='$OUT'" tests/bench/plot.gp 2>>"$ERRLOG" || FAILED=$((FAILED + 1))
	if ((${#DOCS[@]})) && [[ -f $OUT/performance.png ]]; then
		cp "$OUT/performance.png" docs/performance.png
	fi
fi
echo "bench: samples, Markdown and CSV in $OUT/ (samples.tsv, results.md, results.csv, performance.png)" >&2
if ((FAILED)); then
	echo "bench: $FAILED command(s) failed; their stderr is in $ERRLOG" >&2
	exit 1
fi
