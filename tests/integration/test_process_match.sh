# `process` picks the program a rule applies to, by name or path, while
# every process of the run shares the segment: curl and python in one
# shell loop under `run`, only the named one is refused.
. "$(dirname "$0")/lib.sh"
need curl

start_http_server
cp "$PROGS/connect_once.py" client.py

# profile PATTERNS: a connect reset for the programs PATTERNS name.
run_with() {
	cat >p.cfg <<CFG
rules = ( { name = "only"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT";
            process = $1; fault = "reset"; } );
CFG
	new_segment
	"$CTL" run -p p.cfg -s "$SEG" --stats -- sh -c '
		for i in 1 2; do
			curl -s -o /dev/null "http://127.0.0.1:$1/"; printf "curl=%s " $?
			printf "python=%s " "$(python3 client.py "$1")"
		done' sh "$HTTP_PORT" 2>stats.err
}

assert_eq "curl=7 python=ok curl=7 python=ok " "$(run_with '["curl"]')" "process = [\"curl\"]"
assert_match 'only +yes +2 +2' "$(cat stats.err)" "only curl's connects are matched"
assert_eq "curl=0 python=refused curl=0 python=refused " "$(run_with '["*/python3*"]')" \
	"a path pattern that names python"
# A script is also known by the path it was started as, when its #! line
# names the interpreter itself (through /usr/bin/env, the kernel starts
# env, which starts the interpreter by its own path).
chmod +x client.py
sed -i "1i #!$(python3 -c 'import sys; print(sys.executable)')" client.py
cat >p.cfg <<CFG
rules = ( { name = "only"; calls = ["connect"]; peer = "127.0.0.1:$HTTP_PORT";
            process = "client.py"; fault = "reset"; } );
CFG
assert_exit 0 "$CTL" run -p p.cfg -- sh -c "./client.py $HTTP_PORT; python3 -c 'print(1)' >/dev/null; curl -s -o /dev/null http://127.0.0.1:$HTTP_PORT/ && echo curl-ok"
assert_eq "refused
curl-ok" "$OUT" "a script by its own name"
assert_eq "curl=0 python=ok curl=0 python=ok " "$(run_with '["wget"]')" "no program of the run matches"
