# Shared helpers for the integration tests: paths, ports, background
# servers, segments that are cleaned up on exit, and assertions that say
# what was expected and what was seen. Sourced by every test_*.sh.

set -uo pipefail

CS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CS_BUILD=${CS_BUILD:-$CS_ROOT/build} # make's BUILD, when it is not build/
SHIM=$CS_BUILD/libchaos-shim.so
CTL=$CS_BUILD/chaos-shim-ctl
PROGS=$CS_ROOT/tests/integration/progs
PROFILES=$CS_ROOT/profiles
export PYTHONDONTWRITEBYTECODE=1

# A test starts from a clean environment, whatever the caller's shell has.
unset LD_PRELOAD CHAOS_SHIM_SEGMENT CHAOS_SHIM_PROFILE CHAOS_SHIM_LOG \
	CHAOS_SHIM_SEED CHAOS_SHIM_LIB

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Exit 77 (skipped) when a program the test needs is not installed.
need() {
	local prog
	for prog in "$@"; do
		command -v "$prog" >/dev/null 2>&1 || {
			echo "skipped: '$prog' is not installed" >&2
			exit 77
		}
	done
}

[[ -f $SHIM && -x $CTL ]] || fail "build/libchaos-shim.so or build/chaos-shim-ctl is missing (run make)"
# A sanitizer runtime must come first in LD_PRELOAD (make test-asan).
SHIM="${CS_PRELOAD_BEFORE:+$CS_PRELOAD_BEFORE }$SHIM"
need python3

# Version managers (pyenv) put a script first in PATH that runs helper
# processes in other directories before the interpreter; run the
# interpreter itself, so a test's processes are the ones it means to run.
mkdir -p .bin
ln -sf "$(python3 -c 'import sys; print(sys.executable)')" .bin/python3
PATH=$PWD/.bin:$PATH

# --- cleanup: background processes and segments die with the test ----------

CS_PIDS=()
CS_SEGMENTS=()

cs_cleanup() {
	local pid seg
	for pid in "${CS_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${CS_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	for seg in "${CS_SEGMENTS[@]}"; do
		"$CTL" -s "$seg" destroy >/dev/null 2>&1
		rm -f "$(seg_file "$seg")"
	done
}
trap cs_cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# Runs a command in the background, killed on exit; its pid is in $BG_PID.
bg() {
	"$@" &
	BG_PID=$!
	CS_PIDS+=("$BG_PID")
}

# Sets SEG to a fresh segment name, destroyed on exit.
new_segment() {
	SEG="it-$$-${RANDOM}${RANDOM}"
	CS_SEGMENTS+=("$SEG")
}

# Runs a command that execs in place, its pid added to ctl.pids: the
# segments a sweep or bisect makes are named after it.
noting_pid() {
	sh -c 'echo $$ >>ctl.pids; exec "$@"' sh "$@"
}

# Fails when a command run through noting_pid left a segment PREFIX-PID-*.
assert_no_segments_left() { # prefix
	local pid left
	for pid in $(cat ctl.pids 2>/dev/null); do
		left=$(ls /dev/shm | grep "^chaos-shim\.$(id -u)\.$1-$pid-")
		[[ -z $left ]] || fail "segments left by $1 $pid: $left"
	done
}

seg_file() {
	echo "/dev/shm/chaos-shim.$(id -u).$1"
}

# --- ports and servers ---------------------------------------------------

# A TCP port that was free a moment ago on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until something accepts TCP connections on 127.0.0.1:$1.
wait_port() {
	local port=$1 i
	for ((i = 0; i < 100; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.1
	done
	fail "nothing listens on 127.0.0.1:$port after 10 s"
}

# Serves the current directory over HTTP on a free port: sets HTTP_PORT.
# Extra arguments go before python3 (e.g. env LD_PRELOAD=...).
start_http_server() {
	HTTP_PORT=$(free_port)
	echo "hello from chaos-shim tests" >index.html
	bg "$@" python3 -m http.server --bind 127.0.0.1 "$HTTP_PORT" >http.log 2>&1
	HTTP_PID=$BG_PID
	wait_port "$HTTP_PORT"
}

# curl's exit status for a real refused connect (a port nobody listens on).
curl_refused_status() {
	curl -s -o /dev/null "http://127.0.0.1:$(free_port)/"
	echo $?
}

# Prints the port a server wrote to LOG as a line "port N", waiting up to
# 10 s for it; fails the test with WHAT and the log when it never comes.
port_from_log() {
	local log=$1 what=$2 i port
	for ((i = 0; i < 100; i++)); do
		port=$(sed -n 's/^port //p' "$log")
		[[ -n $port ]] && { echo "$port"; return 0; }
		sleep 0.1
	done
	fail "$what did not start: $(cat "$log")"
}

# Starts progs/echo_server.py: sets ECHO_PORT; its log (one line per
# connection: how it ended) is echo.log.
start_echo_server() {
	bg python3 -u "$PROGS/echo_server.py" >echo.log 2>&1
	ECHO_PORT=$(port_from_log echo.log "echo server") || exit 1
}

# Starts progs/slow_server.py, which answers each request $1 seconds late:
# sets SLOW_SERVER_PORT.
start_slow_server() {
	bg python3 -u "$PROGS/slow_server.py" "$1" >"slow-$1.log" 2>&1
	SLOW_SERVER_PORT=$(port_from_log "slow-$1.log" "a server $1 s late") || exit 1
}

# Builds progs/$2 as ./$1 with cc -static, or skips the test where there
# is no static C library (libc6-dev's libc.a) to link with.
build_static() {
	need cc
	cc -static -O1 -o "$1" "$PROGS/$2" 2>/dev/null || {
		echo "skipped: no static C library (libc6-dev's libc.a) to link with" >&2
		exit 77
	}
}

# Builds progs/go_http.go as ./go_http with Debian's golang-go, or skips
# the test where go is missing.
build_go_http() {
	command -v go >/dev/null 2>&1 || {
		echo "skipped: 'go' is not installed (Debian: apt-get install golang-go)" >&2
		exit 77
	}
	mkdir -p gocache
	GOCACHE=$PWD/gocache GOPATH=$PWD/gopath GO111MODULE=off \
		go build -o go_http "$PROGS/go_http.go" 2>go.err ||
		fail "cannot build progs/go_http.go: $(cat go.err)"
}

# Skips the test where run --trap cannot work: the kernel must let an
# unprivileged process install a seccomp filter with user notification
# (Linux 5.5 and later, seccomp not forbidden by a container).
need_trap() {
	echo 'rules = ();' >trap-probe.cfg
	"$CTL" run --trap -p trap-probe.cfg -- true 2>trap-probe.err
	if grep -q 'cannot install the seccomp filter' trap-probe.err; then
		echo "skipped: $(cat trap-probe.err)" >&2
		exit 77
	fi
}

# Runs a command with the shim preloaded and the given profile.
under_profile() {
	local profile=$1
	shift
	LD_PRELOAD=$SHIM CHAOS_SHIM_PROFILE=$profile "$@"
}

# Runs a command with the shim preloaded, attached to segment $1.
under_segment() {
	local seg=$1
	shift
	LD_PRELOAD=$SHIM CHAOS_SHIM_SEGMENT=$seg "$@"
}

# --- waiting on a growing log ---------------------------------------------

# Number of lines in a file (0 when it does not exist yet).
lines_of() {
	[[ -f $1 ]] && wc -l <"$1" || echo 0
}

# Waits until a line after line $2 of file $1 matches regex $3; $4 seconds
# at most (default 5).
wait_line() {
	local file=$1 from=$2 re=$3 limit=${4:-5} i
	for ((i = 0; i < limit * 20; i++)); do
		tail -n +"$((from + 1))" "$file" 2>/dev/null | grep -Eq -- "$re" && return 0
		sleep 0.05
	done
	fail "no line matching '$re' in $file after line $from within $limit s; seen: $(tail -n +"$((from + 1))" "$file" | tail -n 5 | tr '\n' '|')"
}

# Lines of file $1 after line $2.
lines_after() {
	tail -n +"$(($2 + 1))" "$1"
}

# --- assertions -----------------------------------------------------------

assert_eq() { # expected seen what
	[[ $1 == "$2" ]] || fail "$3: expected '$1', seen '$2'"
}

assert_ne() { # unexpected seen what
	[[ $1 != "$2" ]] || fail "$3: expected anything but '$1'"
}

assert_match() { # regex seen what
	[[ $2 =~ $1 ]] || fail "$3: expected to match /$1/, seen '$2'"
}

assert_no_match() { # regex seen what
	[[ ! $2 =~ $1 ]] || fail "$3: expected no match of /$1/, seen '$2'"
}

assert_contains() { # needle haystack what
	[[ $2 == *"$1"* ]] || fail "$3: expected to contain '$1', seen '$2'"
}

# Numbers, integer or decimal: assert_num 'a >= b' or with a band.
assert_num() { # seen op bound what
	python3 -c 'import sys; sys.exit(0 if eval(sys.argv[1] + sys.argv[2] + sys.argv[3]) else 1)' \
		"$1" "$2" "$3" || fail "$4: expected $2 $3, seen $1"
}

# The value of NAME in a line of NAME=VALUE words: value_of NAME TEXT.
value_of() {
	local v=" $2"
	[[ $v == *" $1="* ]] || { echo "(no $1 in '$2')"; return; }
	v=${v#* $1=}
	echo "${v%% *}"
}

# Runs a command and checks its exit status; output is in $OUT / $ERR.
assert_exit() { # status cmd...
	local want=$1 rc
	shift
	"$@" >cmd.out 2>cmd.err
	rc=$?
	OUT=$(cat cmd.out)
	ERR=$(cat cmd.err)
	[[ $rc == "$want" ]] || fail "exit status of '$*': expected $want, seen $rc; stdout: '$OUT'; stderr: '$ERR'"
}

# The datagram faults of profile $1 leave a TCP connection alone, and
# check refuses fault $2 with proto "tcp", saying why (TCP's checksums and
# sequence numbers hide such damage from programs).
assert_udp_only() { # profile fault
	start_echo_server
	assert_match '^ok n=16 .*intact=yes' \
		"$(under_profile "$1" python3 "$PROGS/tcp_client.py" "$ECHO_PORT")" \
		"a TCP client under the rules of $1"
	sed "s/fault = \"$2\"/proto = \"tcp\"; fault = \"$2\"/" "$1" >tcp.cfg
	assert_exit 1 "$CTL" check tcp.cfg
	assert_contains "fault '$2' is for proto \"udp\" only (TCP's checksums" "$ERR" \
		"check on $2 with proto tcp"
}

# A field of `chaos-shim-ctl -s SEG stats --json`: stat SEG RULE FIELD.
stat_of() {
	"$CTL" -s "$1" stats --json >stats.json || fail "stats --json failed for segment '$1'"
	python3 - "$2" "$3" <<'EOF' || fail "rule '$2' or field '$3' missing in: $(cat stats.json)"
import json, sys
doc = json.load(open("stats.json"))
rule = next(r for r in doc["rules"] if r["name"] == sys.argv[1])
print(rule[sys.argv[2]])
EOF
}
