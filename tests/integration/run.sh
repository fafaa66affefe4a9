#!/usr/bin/env bash
# Runs the integration tests (tests/integration/test_*.sh, or the ones named
# as arguments), each in its own temporary directory under a time limit, and
# prints one line per test and a summary. A test exits 77 to be skipped.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
limit=${CS_TEST_TIMEOUT:-120}

tests=()
if (($# > 0)); then
	for name in "$@"; do
		# A path runs that script (tests/reliability, tests/stress).
		[[ $name == */* && -f $name ]] && { tests+=("$(cd "$(dirname "$name")" && pwd)/$(basename "$name")"); continue; }
		name=$(basename "$name" .sh)
		tests+=("$here/test_${name#test_}.sh")
	done
else
	tests=("$here"/test_*.sh)
fi

passed=0 failed=0 skipped=0
for test in "${tests[@]}"; do
	name=$(basename "$test" .sh)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/chaos-shim-it.XXXXXX")
	# timeout signals the whole process group, so servers a test left in
	# the background die with it.
	(cd "$dir" && exec timeout -k 5 "$limit" bash "$test") >"$dir/.output" 2>&1 </dev/null
	rc=$?
	case $rc in
	0)
		echo "ok   $name"
		passed=$((passed + 1))
		;;
	77)
		echo "skip $name ($(tail -n 1 "$dir/.output"))"
		skipped=$((skipped + 1))
		;;
	*)
		echo "FAIL $name"
		((rc == 124 || rc == 137)) && echo "    (timed out after $limit s)"
		sed 's/^/    /' "$dir/.output"
		failed=$((failed + 1))
		;;
	esac
	rm -rf "$dir"
done

summary="integration: $passed passed, $failed failed"
((skipped > 0)) && summary+=", $skipped skipped"
echo "$summary"
# `make test` adds every suite's counts up into one closing line.
[[ -n ${CS_TEST_TALLY:-} ]] && echo "$passed $failed" >>"$CS_TEST_TALLY"
((failed == 0))
