# Every example of the documentation, run: the fenced blocks of README.md,
# docs/*.md, python/, node/ and examples/ READMEs, and the .nf blocks of
# the man pages (progs/doc_blocks.py extracts them with file and line).
# Shell examples run as they are written in a scratch directory that has
# what they name (build/, profiles/, ./app, ./client, ./server, client.py,
# refuse.cfg, flaky.cfg, a Makefile with `check`); ports and segment names
# are rewritten to free ones. Output shown in the docs is compared with the
# real output's shape (progs/doc_output.py), profiles go through `check`,
# JSON samples are compared with the keys of a real segment's output,
# error messages with what `check` says about a profile that has that
# error. A block that is neither run here nor in NOT_RUN (with the reason)
# fails the test.
. "$(dirname "$0")/lib.sh"
need curl jq cc setsid
# The examples preload build/libchaos-shim.so as they are written; a
# sanitizer build would need its runtime in front (make test-asan).
[[ -z ${CS_PRELOAD_BEFORE:-} ]] || { echo "skipped: the examples run with the plain build" >&2; exit 77; }

(cd "$CS_ROOT" && python3 "$PROGS/doc_blocks.py" "$OLDPWD/blocks" README.md docs/*.md \
	python/README.md node/README.md examples/README.md docs/man/*.[1-8]) ||
	fail "cannot extract the blocks of the docs"

# Blocks that cannot run here: FILE, the glob of their first line, why.
NOT_RUN=(
	'README.md' 'make demo*' 'make test is the suite this test belongs to; make demo (tools/demo.sh, half a minute) shows what the tour below runs'
	'docs/CI.md' 'name: resilience' 'a GitHub Actions job: parsed by test_ci_docs.sh'
	'docs/CI.md' 'resilience:' 'a GitLab CI job: parsed by test_ci_docs.sh'
	'docs/CI.md' 'FROM debian:bookworm' 'a container image: its paths are checked by test_ci_docs.sh'
	'docs/CI.md' 'apiVersion: v1' 'a Kubernetes pod: parsed by test_ci_docs.sh'
	'docs/CI.md' 'kubectl exec *' 'needs a Kubernetes cluster'
	'docs/PERFORMANCE.md' 'make bench *' 'make bench takes about 10 minutes'
	'docs/PERFORMANCE.md' 'build/chaos-shim-ctl run -p tests/bench/profiles/attached-net.cfg*' 'a measurement under callgrind, built by make bench'
	'docs/PERFORMANCE.md' 'BENCH_ONLY=eventloop make bench' 'minutes of wrk load on nginx, redis and node'
	'docs/PERFORMANCE.md' 'make build/bench/bench_calls' 'a measurement of the trap, with the bench programs of make bench'
	'docs/PERFORMANCE.md' "cat >never.cfg <<'CFG'" 'a measurement under callgrind, with the bench programs of make bench'
	'docs/LIMITS.md' "cat >droprecv.cfg <<'CFG'" 'a measurement of a poll loop against a server that has answered, under the trap'
	'docs/PERFORMANCE.md' 'build/chaos-shim-ctl -s acc load *' 'a measurement of seconds, with the bench programs of make bench'
	'docs/FAULTS.md' '$ chaos-shim-ctl run -p http-503 -- curl -si https://example.org/' 'needs a public HTTPS server: test_http_response_tls.sh runs it against a local one'
)

# --- finding blocks --------------------------------------------------------

declare -A COVERED=() WHERE=() KIND=() FIRST=()
BLOCKS=()
while IFS=$'\t' read -r id where _ kind; do
	BLOCKS+=("$id")
	WHERE[$id]=$where
	KIND[$id]=$kind
	FIRST[$id]=$(grep -m1 -v '^[[:space:]]*$' "blocks/$id.txt" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
done <blocks/index.tsv
((${#BLOCKS[@]} > 40)) || fail "only ${#BLOCKS[@]} blocks found in the docs"

# take FILE GLOB: sets B to the text file of the one block of FILE whose
# first line matches GLOB, and marks it covered.
take() {
	local id found=()
	for id in "${BLOCKS[@]}"; do
		# shellcheck disable=SC2053
		[[ ${WHERE[$id]%:*} == "$1" && ${FIRST[$id]} == $2 ]] && found+=("$id")
	done
	((${#found[@]} == 1)) || fail "expected one block of $1 starting '$2', found ${#found[@]}"
	B=blocks/${found[0]}.txt
	BW=${WHERE[${found[0]}]}
	COVERED[${found[0]}]=1
}

for ((i = 0; i < ${#NOT_RUN[@]}; i += 3)); do
	take "${NOT_RUN[i]}" "${NOT_RUN[i + 1]}"
done

# --- the scratch directory ---------------------------------------------------

start_http_server # the "database" of the examples, on 5432's stand-in
TOUR_PORT=$(free_port) PY_PORT=$(free_port) REDIS_PORT=$(free_port) SERVER_PORT=$(free_port)
new_segment
SEG_BASE=$SEG
CS_SEGMENTS+=("$SEG_BASE-demo" "$SEG_BASE-tests")

mkdir ws
ln -s "$CS_BUILD" ws/build
ln -s "$CS_ROOT/profiles" ws/profiles
mkdir -p ws/node_modules && ln -s "$CS_ROOT/node" ws/node_modules/chaos-shim
cp -r "$CS_ROOT/python" ws/python # pip builds beside the sources
# chaos-shim-ctl as installed
export PATH=$CS_BUILD:$PATH

# Five HTTP requests; the retrying one tries each twice.
cat >ws/client.py <<EOF
import sys, time, urllib.request
tries = 2 if sys.argv[0].endswith("client") else 1
for i in range(5):
    for attempt in range(tries):
        try:
            urllib.request.urlopen("http://127.0.0.1:$HTTP_PORT/", timeout=10).read()
            break
        except OSError as e:
            if attempt == tries - 1:
                sys.exit("request %d failed: %s" % (i, e))
print("5 requests")
EOF
cp ws/client.py ws/client && sed -i '1i #!/usr/bin/env python3' ws/client && chmod +x ws/client
# An application that connects to the database every 0.1 s.
cat >ws/app <<EOF
#!/usr/bin/env python3
import socket, sys, time
while True:
    try:
        socket.create_connection(("127.0.0.1", $HTTP_PORT), timeout=5).close()
        print("ok", flush=True)
    except OSError:
        print("refused", flush=True)
    time.sleep(0.1)
EOF
printf '#!/bin/sh\nexec python3 -m http.server --bind 127.0.0.1 %s\n' "$SERVER_PORT" >ws/server
chmod +x ws/app ws/server
# A test suite that retries as a resilient client does.
printf 'check:\n\tfor i in 1 2 3 4 5; do curl -sSf --retry 5 --retry-all-errors --retry-delay 0 -o /dev/null http://127.0.0.1:%s/ || exit 1; done\n' \
	"$HTTP_PORT" >ws/Makefile
cat >ws/refuse.cfg <<EOF
rules = ( { name = "refuse"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT"; fault = "reset"; } );
EOF
cat >ws/flaky.cfg <<EOF
seed = 27;
rules = ( { name = "flaky"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT"; probability = 0.5; fault = "reset"; } );
EOF
# What the running examples need to wait for.
cat >ws/.wait.sh <<'EOF'
wait_port() {
	for ((i = 0; i < 100; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done
	echo "nothing listens on $1" >&2; exit 1
}
wait_for() { # file regex: a line after the mark set by the last mark
	for ((i = 0; i < 200; i++)); do tail -n +"$((${MARK:-0} + 1))" "$1" | grep -Eq "$2" && return; sleep 0.05; done
	echo "no line '$2' in $1" >&2; exit 1
}
mark() { MARK=$(wc -l <"$1"); }
wait_segment() {
	for ((i = 0; i < 100; i++)); do [[ -e /dev/shm/chaos-shim.$(id -u).$1 ]] && return; sleep 0.1; done
	echo "no segment $1" >&2; exit 1
}
trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT
EOF

# The text of block $B as it runs here: ports, segment names and install
# paths rewritten.
adapt() {
	sed -e "s/\b8000\b/$TOUR_PORT/g; s/\b8080\b/$PY_PORT/g; s/\b6390\b/$REDIS_PORT/g; s/\b5432\b/$HTTP_PORT/g" \
		-e "s/\bdemo\b/$SEG_BASE-demo/g; s/\btests\b/$SEG_BASE-tests/g" \
		-e "s|/usr/local/lib/libchaos-shim.so|$CS_BUILD/libchaos-shim.so|g" "$@"
}

# run_script NAME: runs ws/NAME.sh in ws, with stdout in NAME.out, stderr
# in NAME.err, its status in $RC.
run_script() {
	(cd ws && timeout 90 bash -c '. ./.wait.sh; . ./"$1.sh"' sh "$1" >"$1.out" 2>"$1.err")
	RC=$?
	OUT=$(cat "ws/$1.out")
	ERR=$(cat "ws/$1.err")
}

# Every line's exit status goes to NAME.status (blocks of one-line commands).
with_statuses() {
	sed 's/$/\necho $? >>STATUS/' | sed "s/STATUS/$1.status/"
}

shape_of() { # doc-block real-output-file what
	python3 "$PROGS/doc_output.py" shape "$1" "$2" || fail "$3 ($BW): real output: $(cat "$2")"
}

# The tests (examples/run.sh, pip) that take long start first.
take examples/README.md '$ make && examples/run.sh'
EXAMPLES_BLOCK=$B
bg sh -c 'make --no-print-directory -s -C "$1" BUILD="$2" all && BUILD="$2" "$1/examples/run.sh"' \
	sh "$CS_ROOT" "$CS_BUILD" >examples.out 2>&1
EXAMPLES_PID=$BG_PID
take python/README.md 'pip install ./python*'
/usr/bin/python3 -m venv --system-site-packages ws/venv || fail "cannot make a virtual environment"
(cd ws && . venv/bin/activate && exec sh "$OLDPWD/$B") >pip.log 2>&1 &
PIP_PID=$!

# --- README: the tour, in one shell as a user types it -----------------------

take README.md 'python3 -m http.server --bind 127.0.0.1 8000 &'
adapt "$B" | sed "/http.server .*&\$/a wait_port $TOUR_PORT" >ws/tour.sh
take README.md 'RULE *ENABLED *MATCHED *INJECTED'
TOUR_STATS=$B
take README.md "cat > outage.cfg <<'END'"
adapt "$B" | sed -e '/ enable outage/a wait_for tour.out "^refused$"; mark tour.out' \
	-e '/ disable outage/a wait_for tour.out "^ok$"' >>ws/tour.sh
take README.md "jq -c '{ts, pid, call, peer, fault, rule}' events.jsonl"
adapt "$B" >>ws/tour.sh
take README.md '{"ts":*'
TOUR_EVENT=$B
run_script tour
assert_eq 0 "$RC" "exit status of the README tour; stderr: $ERR"
shape_of "$TOUR_STATS" ws/tour.err "the --stats table of the README"
assert_num "$(grep -cE '^200 [0-9.]+$' ws/tour.out)" '>=' 10 "curl requests of the tour answered 200"
assert_match "outage +no +connect +reset +[1-9][0-9]* +[1-9][0-9]*" "$OUT" "status of the outage rule, disabled after one refused connect"
assert_match "processes +[0-9]+" "$OUT" "attached pids in status"
grep '^{"ts"' ws/tour.out >tour-events.jsonl || fail "jq printed no event: $OUT"
python3 "$PROGS/doc_output.py" keys same "$TOUR_EVENT" tour-events.jsonl || fail "README's jq line ($BW)"
# jq prints null for a key the log lacks.
assert_no_match ':null' "$(cat tour-events.jsonl)" "the fields jq picks from the event log"

take README.md 'LD_PRELOAD=build/libchaos-shim.so CHAOS_SHIM_SEGMENT=tests ./app &*'
adapt "$B" | sed -e "/\.\/app &/a wait_segment $SEG_BASE-tests" \
	-e '/ add /a wait_for from-code.out "^refused$"' >ws/from-code.sh
run_script from-code
assert_eq 0 "$RC" "exit status of the README's test-code example; stderr: $ERR"
grep '^{' ws/from-code.out >from-code.json || fail "no stats --json: $OUT"
assert_num "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["rules"][0]["injected"])' <from-code.json)" '>=' 1 \
	"injections of db-down in the README's test-code example"

# --- sweep and bisect ----------------------------------------------------------

take README.md 'build/chaos-shim-ctl sweep -p refuse.cfg -j 4 -- python3 client.py'
sed -n 's/^#//p' "$B" >readme-sweep.doc
adapt "$B" | grep -v '^#' | with_statuses readme-sweep >ws/readme-sweep.sh
run_script readme-sweep
shape_of readme-sweep.doc ws/readme-sweep.out "README's sweep"
assert_eq "3 0 1" "$(paste -sd " " ws/readme-sweep.status)" "statuses of sweep, bisect and the run that fails again"
chaos-shim-ctl check ws/min.cfg >/dev/null || fail "bisect's min.cfg does not compile: $(cat ws/min.cfg)"

take docs/CLI.md 'chaos-shim-ctl sweep -p refuse.cfg -j 4 -- python3 client.py'
adapt "$B" >ws/cli-sweep.sh
take docs/CLI.md "baseline: rule 'refuse' matched 5 times"
run_script cli-sweep
assert_eq 3 "$RC" "sweep of docs/CLI.md; stderr: $ERR"
shape_of "$B" ws/cli-sweep.out "docs/CLI.md's sweep output"

take docs/CLI.md 'chaos-shim-ctl run -p flaky.cfg -- ./client *# fails: seed 27'
adapt "$B" | with_statuses cli-bisect >ws/cli-bisect.sh
take docs/CLI.md '# chaos-shim-ctl bisect, seed 27: of the 5 faults the seed'
run_script cli-bisect
assert_eq "1 0 1" "$(paste -sd " " ws/cli-bisect.status)" "statuses of run, bisect and run again (docs/CLI.md); stderr: $ERR"
shape_of "$B" ws/min.cfg "docs/CLI.md's bisect output"

# --- run, and live control -----------------------------------------------------

take docs/CLI.md 'chaos-shim-ctl run -p profiles/flaky-network.cfg --stats -- make check'
adapt "$B" >ws/cli-run.sh
take docs/man/chaos-shim-ctl.1 'chaos-shim-ctl run -p profiles/flaky-network.cfg --stats -- make check'
cmp -s ws/cli-run.sh <(adapt "$B") || adapt "$B" >>ws/cli-run.sh
run_script cli-run
assert_eq 0 "$RC" "run -- make check; stderr: $ERR"
assert_match "RULE +ENABLED +MATCHED +INJECTED" "$ERR" "run --stats table"
assert_match "seed [0-9]+: rerun with --seed [0-9]+ to reproduce" "$ERR" "run --stats seed line"

take docs/man/chaos-shim-ctl.1 'chaos-shim-ctl run -p profiles/flaky-network.cfg --seed 8512 -- ./client'
adapt "$B" >ws/man-seed.sh
run_script man-seed
assert_match "^[01]$" "$RC" "run --seed 8512 -- ./client: the client's own status; stderr: $ERR"
assert_no_match "chaos-shim-ctl:" "$ERR" "run --seed 8512 -- ./client"

take docs/man/chaos-shim-ctl.1 'chaos-shim-ctl sweep -p refuse.cfg -j 4 -- ./client'
adapt "$B" | with_statuses man-sweep >ws/man-sweep.sh
run_script man-sweep
# The retrying client survives any single refused connect; seed 27 gives
# it two in a row.
assert_eq "0 0 1" "$(paste -sd " " ws/man-sweep.status)" "statuses of the man page's sweep, bisect and run; stderr: $ERR"

take docs/CLI.md 'chaos-shim-ctl run -p refuse.cfg --seed 7 --log events.jsonl -- ./static-client'
# A client without a dynamic libc: one connect, exit 1 when refused.
cat >static-client.c <<EOF2
#include <arpa/inet.h>
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons($HTTP_PORT) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
		perror("connect");
		return 1;
	}
	close(fd);
	return 0;
}
EOF2
cc -static -o ws/static-client static-client.c 2>cc.err || fail "cannot link a static client: $(cat cc.err)"
adapt "$B" >ws/trap.sh
rm -f ws/events.jsonl # the tour's
run_script trap
assert_eq 1 "$RC" "the static client under run --trap and refuse.cfg; stderr: $ERR"
assert_match "Connection refused" "$ERR" "what the static client saw"
assert_match '"call":"connect".*"fault":"reset"' "$(cat ws/events.jsonl)" "the event log of run --trap"

# Live control: the server attaches, every command succeeds.
take docs/CLI.md 'export CHAOS_SHIM_SEGMENT=demo'
{
	echo 'set -e'
	adapt "$B" | sed -e "/\.\/server &/a wait_port $SERVER_PORT" \
		-e '/^chaos-shim-ctl status/a chaos-shim-ctl list >list.out'
} >ws/cli-live.sh
run_script cli-live
assert_eq 0 "$RC" "docs/CLI.md's live control; stderr: $ERR"
assert_match "slow-db +no +connect,send,recv +latency" "$OUT" "status after the live changes"
assert_match "processes +[0-9]+" "$OUT" "the server attached"
take docs/CLI.md 'NAME *RULES *PROCESSES *CREATOR *STATE'
head -n 1 "$B" >list-header.doc
shape_of list-header.doc ws/list.out "list's header"
assert_match "$SEG_BASE-demo +1 +[1-9][0-9]* +[0-9-]+ +active" "$(cat ws/list.out)" "list's line of the segment"

take docs/man/chaos-shim-ctl.1 'export CHAOS_SHIM_SEGMENT=demo'
{
	echo 'set -e'
	adapt "$B" | sed -e "/\.\/server &/a wait_port $SERVER_PORT"
} >ws/man-live.sh
run_script man-live
assert_eq 0 "$RC" "the man page's live control; stderr: $ERR"
assert_eq '{"name":"slow-db","injected":0}' "$(sed -n "/^{/,/^}/p" ws/man-live.out | jq -c .)" "jq over status --json"

take docs/PROFILES.md 'chaos-shim-ctl set slow-db delay_ms=500 probability=0.5'
{
	echo "export CHAOS_SHIM_SEGMENT=$SEG_BASE-set"
	echo "chaos-shim-ctl load profiles/slow-dependency.cfg"
	echo "chaos-shim-ctl add '{ name = \"flaky-api\"; calls = [\"recv\"]; peer = \"*:8080\"; probability = 0.1; fault = \"reset\"; }'"
	adapt "$B" | with_statuses set
	echo "chaos-shim-ctl status; chaos-shim-ctl destroy"
} >ws/set.sh
CS_SEGMENTS+=("$SEG_BASE-set")
run_script set
assert_eq "0 0 0 0" "$(paste -sd " " ws/set.status)" "statuses of PROFILES.md's set commands; stderr: $ERR"
assert_match "flaky-api +yes +recv +error .*errno=ECONNRESET" "$OUT" "flaky-api after set fault=error"

# --- synopses: the commands of --help, the prototypes of the header -------------

chaos-shim-ctl --help | sed -n 's/^  chaos-shim-ctl /chaos-shim-ctl /p' | sort >help-commands.txt
# "A | B" is two lines: B in the place of A's last word ("[A | B]" stays).
synopsis_lines() {
	sed -E 's/[[:space:]]*$//; :a; s/(\[[^]|]*) \| /\1@OR@/; ta' "$1" | while IFS= read -r line; do
		[[ $line == chaos-shim-ctl* ]] || continue
		if [[ $line == *" | "* ]]; then
			left=${line%% | *}
			echo "$left"
			echo "${left% *} ${line#* | }"
		else
			echo "$line"
		fi
	done | sed 's/@OR@/ | /g' | sort
}
for doc in docs/CLI.md docs/man/chaos-shim-ctl.1; do
	take "$doc" 'chaos-shim-ctl run \[-p PROFILE\] \[-s NAME\]*'
	synopsis_lines "$B" >synopsis.txt
	diff synopsis.txt help-commands.txt >synopsis.diff || fail "the synopsis of $BW differs from chaos-shim-ctl --help (< docs, > help): $(cat synopsis.diff)"
done

take docs/man/chaos-shim-ctl.3 '#include <chaos-shim/ctl.h>'
# A declaration that disagrees with the header's does not compile.
cc -std=gnu11 -Wall -Werror -I"$CS_ROOT/include" -fsyntax-only -x c "$B" 2>cc.err ||
	fail "the prototypes of $BW do not agree with <chaos-shim/ctl.h>: $(cat cc.err)"

take docs/man/chaos-shim-ctl.3 'struct chaos_shim_error err;'
{
	printf '#include <stdio.h>\n#include <stdlib.h>\n#include <chaos-shim/ctl.h>\nint main(void)\n{\n'
	# The code under test: the tool shows the rule.
	adapt "$B" | sed 's|^/\* \.\.\. run the code under test.*|system("chaos-shim-ctl stats");|' 
	printf 'return 0;\n}\n'
} >example3.c
cc -std=gnu11 -Wall -Werror -I"$CS_ROOT/include" -o example3 example3.c -L"$CS_BUILD" -lchaos-shim-ctl \
	-Wl,-rpath,"$CS_BUILD" 2>cc.err || fail "the example of $BW does not compile: $(cat cc.err)"
CHAOS_SHIM_SEGMENT=$SEG_BASE-tests assert_exit 0 ./example3
assert_eq "" "$ERR" "what the example of $BW printed on stderr"
assert_match "db-down +yes +0 +0" "$OUT" "the rule the example of $BW added"
assert_eq "no rules" "$(chaos-shim-ctl -s "$SEG_BASE-tests" stats)" "the segment after the example of $BW removed its rule"

take docs/man/chaos-shim.7 'chaos-shim-ctl run -p PROFILE -- COMMAND *'
# Each form runs curl under refuse.cfg: a refused connect is curl's exit 7.
new_segment
chaos-shim-ctl -s "$SEG" load ws/refuse.cfg || fail "cannot load refuse.cfg"
n=0
while IFS= read -r line; do
	line=$(adapt <<<"$line" | sed -E "s/([ =])PROFILE\b/\1refuse.cfg/; s/([ =])NAME\b/\1$SEG/;
		s| COMMAND( \[ARG\.\.\.\])?| curl -s -o /dev/null http://127.0.0.1:$HTTP_PORT/|")
	(cd ws && eval "$line")
	assert_eq 7 "$?" "curl's exit status under: $line"
	n=$((n + 1))
done <"$B"
assert_eq 3 "$n" "forms in $BW"

# --- profiles, JSON samples and error messages --------------------------------

# Real output to compare the JSON samples with: a segment loaded with the
# docs' slow-db rule, and an event of a reset read.
new_segment
cat >json.cfg <<EOF2
seed = 42;
rules = ( { name = "slow-db"; calls = ["connect", "send", "recv"]; peer = "127.0.0.1:5432"; proto = "tcp";
            fault = "latency"; delay_ms = 200; jitter_ms = 50; } );
EOF2
chaos-shim-ctl -s "$SEG" load json.cfg || fail "cannot load json.cfg"
chaos-shim-ctl -s "$SEG" status --json >status.json || fail "status --json"
chaos-shim-ctl -s "$SEG" stats --json >stats.json || fail "stats --json"
echo "rules = ( { name = \"flaky-api\"; calls = [\"recv\"]; fault = \"reset\"; } );" >event.cfg
CHAOS_SHIM_LOG=$PWD/events.jsonl under_profile event.cfg curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/"
[[ -s events.jsonl ]] || fail "no event logged for a reset read"

for id in "${BLOCKS[@]}"; do
	[[ -z ${COVERED[$id]:-} ]] || continue
	B=blocks/$id.txt BW=${WHERE[$id]}
	case ${KIND[$id]} in
	profile)
		# Rules alone go into a profile's list.
		if grep -q '^[[:space:]]*rules[[:space:]]*=' "$B"; then
			cp "$B" "profile-$id.cfg"
		else
			{ echo 'rules = ('; sed '$!b; s/,[[:space:]]*$//' "$B"; echo ');'; } >"profile-$id.cfg"
		fi
		rules=$(grep -c 'name *=' "$B")
		assert_exit 0 chaos-shim-ctl check "profile-$id.cfg"
		plural=s
		((rules == 1)) && plural=
		assert_eq "profile-$id.cfg: ok ($rules rule$plural)" "$OUT" "check of the profile at $BW"
		;;
	json)
		if grep -q '"generation"' "$B"; then real=status.json mode=same
		elif grep -q '"ts"' "$B"; then real=events.jsonl mode=subset
		else real=stats.json mode=same; fi
		python3 "$PROGS/doc_output.py" keys "$mode" "$B" "$real" || fail "the JSON sample at $BW"
		;;
	*) continue ;;
	esac
	COVERED[$id]=1
done

# error_profile MESSAGE: writes, in err/, the profile whose check prints
# MESSAGE (as the docs show it: without the "chaos-shim-ctl: " prefix),
# each rule on one line, at the line MESSAGE names; prints its path.
error_profile() {
	local msg=$1 file line first="" body keys
	[[ $msg =~ \(([^():]+):([0-9]+)\)(, first defined at line ([0-9]+))?$ ]] || return 1
	file=${BASH_REMATCH[1]} line=${BASH_REMATCH[2]} first=${BASH_REMATCH[4]}
	local name=x rest=$msg
	[[ $msg =~ in\ rule\ \'([^\']+)\' ]] && name=${BASH_REMATCH[1]}
	if [[ $msg =~ ^unknown\ key\ \'([a-z_]+)\' ]]; then
		keys="calls = [\"recv\"]; fault = \"latency\"; ${BASH_REMATCH[1]} = 1;"
	elif [[ $msg =~ ^key\ \'([a-z_]+)\'\ does\ not\ apply\ to\ fault\ \'([a-z_]+)\' ]]; then
		keys="calls = [\"recv\"]; fault = \"${BASH_REMATCH[2]}\"; ${BASH_REMATCH[1]} = 1;"
	elif [[ $msg =~ ^fault\ \'([a-z_]+)\'\ does\ not\ fit\ call\ \'([a-z_]+)\' ]]; then
		keys="calls = [\"${BASH_REMATCH[2]}\"]; fault = \"${BASH_REMATCH[1]}\"; max_bytes = 1;"
	elif [[ $msg =~ ^key\ \'([a-z_]+)\'\ must\ be\ an\ integer ]]; then
		keys="calls = [\"recv\"]; fault = \"latency\"; ${BASH_REMATCH[1]} = \"1\";"
	elif [[ $msg =~ ^duplicate\ match\ number\ ([0-9]+)\ in\ \'at\' ]]; then
		keys="calls = [\"recv\"]; fault = \"latency\"; at = [${BASH_REMATCH[1]}, ${BASH_REMATCH[1]}];"
	elif [[ $msg =~ ^active_ms\ ([0-9]+)\ must\ be\ above\ 0\ and\ below\ period_ms\ ([0-9]+) ]]; then
		keys="calls = [\"recv\"]; fault = \"latency\"; period_ms = ${BASH_REMATCH[2]}; active_ms = ${BASH_REMATCH[1]};"
	elif [[ $msg =~ ^([a-z_]+)\ ([0-9]+)\ out\ of\ range ]]; then
		keys="calls = [\"recv\"]; fault = \"latency\"; ${BASH_REMATCH[1]} = ${BASH_REMATCH[2]};"
	elif [[ $msg =~ ^missing\ key\ \'errno\'\ for\ fault\ \'([a-z_]+)\' ]]; then
		keys="calls = [\"recv\"]; fault = \"${BASH_REMATCH[1]}\";"
	elif [[ $msg =~ ^fault\ \'drop\'\ with\ probability\ ([0-9.]+)\ on\ call\ \'([a-z_]+)\' ]]; then
		keys="calls = [\"${BASH_REMATCH[2]}\"]; fault = \"drop\"; probability = ${BASH_REMATCH[1]};"
	fi
	mkdir -p "err/$(dirname "$file")"
	{
		if [[ $msg =~ ^duplicate\ rule\ name\ \'([^\']+)\' ]]; then
			body="{ name = \"${BASH_REMATCH[1]}\"; calls = [\"recv\"]; fault = \"reset\"; }"
			for ((i = 1; i < first; i++)); do echo '#'; done
			echo "rules = ( $body,"
			for ((i = first + 1; i < line; i++)); do echo '#'; done
			echo "$body );"
		elif [[ $msg =~ ^rule\ ([0-9]+)\ has\ no\ name ]]; then
			for ((i = 1; i < line; i++)); do echo '#'; done
			echo -n 'rules = ( '
			for ((i = 1; i < BASH_REMATCH[1]; i++)); do echo -n "{ name = \"r$i\"; calls = [\"recv\"]; fault = \"reset\"; }, "; done
			echo '{ calls = ["recv"]; fault = "reset"; } );'
		else
			for ((i = 1; i < line; i++)); do echo '#'; done
			if [[ $msg == "syntax error "* ]]; then
				echo 'rules = ( { name = "x" calls } );'
			else
				[[ -n ${keys:-} ]] || return 1
				echo "rules = ( { name = \"$name\"; $keys } );"
			fi
		fi
	} >"err/$file"
	echo "$file"
}

# check_error MESSAGE: `check` of the profile made for MESSAGE prints it
# (a "..." in MESSAGE stands for any text).
check_error() {
	local msg=$1 file seen
	if [[ $msg =~ ^cannot\ read\ profile\ \'([^\']+)\' ]]; then
		file=${BASH_REMATCH[1]}
	else
		file=$(error_profile "$msg") || fail "no profile known to make the error '$msg' ($BW)"
	fi
	seen=$(cd err && chaos-shim-ctl check "$file" 2>&1)
	seen=${seen#chaos-shim-ctl: }
	# shellcheck disable=SC2053
	[[ $seen == ${msg//.../*} ]] || fail "error message shown at $BW: '$msg'; check says '$seen'"
}

mkdir err
take README.md '$ chaos-shim-ctl check slow.cfg'
msg=$(sed -n '2s/^chaos-shim-ctl: //p' "$B")
error_profile "$msg" >/dev/null || fail "no profile for '$msg'"
cmd=$(sed -n '1s/^\$ //p' "$B")
(cd err && eval "$cmd") >readme-check.out 2>&1
assert_eq "$(sed -n 2p "$B")" "$(cat readme-check.out)" "the check example of README.md"
take docs/PROFILES.md "fault 'drop' with probability 0.2 on call 'recv' *"
check_error "$(cat "$B")"
take docs/PROFILES.md "unknown key 'dealy_ms' in rule 'slow-db' (profiles/flaky.cfg:12)"
while IFS= read -r msg; do check_error "$msg"; done <"$B"
take docs/man/chaos-shim-profile.5 "unknown key 'dealy_ms' in rule 'slow-db' (flaky.cfg:12)"
# A line that starts with spaces continues the message above.
sed -e ':a' -e '$!N; s/\n  */ /; ta' -e 'P; D' "$B" | while IFS= read -r msg; do check_error "$msg"; done || exit 1

# --- Python and Node --------------------------------------------------------------

# in_group CMD...: runs CMD in a session of its own, and ends what is left
# of it (a server an example failed to stop).
in_group() {
	setsid "$@" &
	local pid=$!
	wait "$pid"
	local rc=$?
	kill -- -"$pid" 2>/dev/null
	return "$rc"
}

# The code under test of the examples ("..." in them): wait for a
# server, then talk to it; a reset is what the examples expect.
cat >ws/under_test.py <<'EOF2'
import socket, time
def talk(port, request=b"GET / HTTP/1.0\r\n\r\n"):
    for _ in range(100):
        try:
            conn = socket.create_connection(("127.0.0.1", port), timeout=5)
            break
        except OSError:
            time.sleep(0.1)
    try:
        conn.sendall(request)
        conn.recv(100)
    except OSError as e:
        print("the server reset the connection:", e)
EOF2

wait "$PIP_PID" || fail "pip install ./python (python/README.md): $(cat pip.log)"
ws/venv/bin/python -c 'import chaos_shim' || fail "chaos_shim is not importable after pip install ./python"
export CHAOS_SHIM_CTL_LIB=$CS_BUILD/libchaos-shim-ctl.so

take python/README.md 'import subprocess'
{
	echo 'from under_test import talk'
	adapt "$B" | sed -E "s/^( *)\.\.\. .*requests to .*/\1[talk($PY_PORT) for _ in range(3)]/"
} >ws/segment_example.py
(cd ws && in_group venv/bin/python segment_example.py) >segment-example.out 2>&1 ||
	fail "the Segment example of python/README.md: $(cat segment-example.out)"
assert_match "RuleStats\(matched=[1-9][0-9]*, injected=[1-9][0-9]*, enabled=True\)" "$(cat segment-example.out)" \
	"what the Segment example of python/README.md printed"

take python/README.md 'import subprocess, pytest'
{
	echo 'from under_test import talk'
	adapt "$B" | sed -E "s/^( *)\.\.\.\$/\1talk($REDIS_PORT, b\"PING\\\\r\\\\n\")/"
} >ws/test_readme_example.py
(cd ws && in_group venv/bin/python -m pytest -p no:cacheprovider -q test_readme_example.py) >pytest-example.out 2>&1 ||
	fail "the pytest example of python/README.md: $(cat pytest-example.out)"
assert_match "2 passed" "$(cat pytest-example.out)" "the pytest example of python/README.md"

take node/README.md "const test = require('node:test');"
if command -v node >/dev/null; then
	cat >ws/under_test.js <<'EOF2'
const net = require('node:net');
// Waits for the server, then sends a PING; a reset is what the example expects.
module.exports = async function talk(port) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const conn = net.connect(port, '127.0.0.1', () => { conn.write('PING\r\n'); });
      conn.on('data', () => { conn.destroy(); resolve(true); });
      conn.on('error', (e) => resolve(e.code !== 'ECONNREFUSED'));
      conn.on('close', () => resolve(true));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
};
EOF2
	{
		echo "const talk = require('./under_test.js');"
		adapt "$B" | sed -E "s|^( *)// \.\.\. the code under test \.\.\.|\1await talk($REDIS_PORT);|"
	} >ws/readme-example.test.js
	(cd ws && in_group node --test readme-example.test.js) >node-example.out 2>&1 ||
		fail "the example of node/README.md: $(cat node-example.out)"
	assert_match "# pass 1" "$(cat node-example.out)" "the example of node/README.md"
else
	echo "node is not installed: the example of node/README.md was not run"
fi

# --- examples/run.sh, started first ---------------------------------------------

wait "$EXAMPLES_PID" || fail "examples/run.sh: $(cat examples.out)"
sed 1d "$EXAMPLES_BLOCK" >examples.doc
shape_of examples.doc examples.out "the output of examples/run.sh"

# --- every block is run or listed ------------------------------------------------

left=()
for id in "${BLOCKS[@]}"; do
	[[ -n ${COVERED[$id]:-} ]] || left+=("${WHERE[$id]} (${FIRST[$id]})")
done
((${#left[@]} == 0)) || fail "blocks neither run nor listed in NOT_RUN: $(printf '\n  %s' "${left[@]}")"
echo "${#BLOCKS[@]} blocks: $((${#BLOCKS[@]} - ${#NOT_RUN[@]} / 3)) run, $((${#NOT_RUN[@]} / 3)) listed as not run here"
