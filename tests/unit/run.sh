#!/usr/bin/env bash
# Runs each cmocka unit binary given as an argument, shows its output, and
# ends with one line "unit: N passed, N failed" counting test cases. Exits
# non-zero when a case failed or a binary crashed or could not run.
set -u

passed=0
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# The first number on the last line that matches a cmocka summary pattern.
summary() {
	grep -E "$1" "$out" | tail -n 1 | grep -oE '[0-9]+' | head -n 1
}

for bin in "$@"; do
	echo "== $bin"
	if [ ! -x "$bin" ]; then
		echo "unit: cannot run '$bin'"
		failed=$((failed + 1))
		continue
	fi
	CMOCKA_MESSAGE_OUTPUT=stdout "$bin" >"$out" 2>&1
	status=$?
	cat "$out"

	run=$(summary '^\[=+\] [0-9]+ test\(s\) run\.')
	if [ -n "$run" ]; then
		ok=$(summary '^\[  PASSED  \] [0-9]+ test\(s\)\.')
		bad=$(summary '^\[  FAILED  \] [0-9]+ test\(s\), listed below')
		ok=${ok:-0}
		bad=${bad:-0}
	else
		# No summary: the binary died part way. Cases that reported OK
		# passed; every other case it announced counts as failed.
		started=$(summary '^\[=+\] Running [0-9]+ test\(s\)\.')
		ok=$(grep -c '^\[       OK \]' "$out")
		bad=$(( ${started:-0} - ok ))
	fi
	if [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1 # crashed, or failed outside any test case
	fi
	if [ "$status" -gt 128 ]; then
		echo "unit: $bin died of signal $((status - 128))"
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
done

echo "unit: $passed passed, $failed failed"
# `make test` adds every suite's counts up into one closing line.
[ -n "${CS_TEST_TALLY:-}" ] && echo "$passed $failed" >>"$CS_TEST_TALLY"
[ "$failed" -eq 0 ]
