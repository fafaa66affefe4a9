#!/usr/bin/env bash
# Runs each libFuzzer binary given for FUZZ_SECONDS (default 60) from its
# seed corpus (profiles/*.cfg for the compiler, tests/fuzz/corpus/NAME), in
# a scratch corpus folder. A crash input is copied to
# tests/fuzz/regressions/NAME/, where `make test` replays it from then on.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${FUZZ_SECONDS:-60}
status=0
export LSAN_OPTIONS="suppressions=$here/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
for bin in "$@"; do
	name=$(basename "$bin")
	work=$(mktemp -d "${TMPDIR:-/tmp}/chaos-shim-fuzz.XXXXXX")
	mkdir -p "$work/corpus" "$work/crashes"
	cp "$here/corpus/$name"/* "$work/corpus/" 2>/dev/null
	[[ $name == fuzz_profile ]] && cp "$root"/profiles/*.cfg "$work/corpus/"
	echo "== $name for $seconds s"
	if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$work/crashes/" "$work/corpus" >"$work/log" 2>&1; then
		grep -E '^(#[0-9]+ +DONE|Done )' "$work/log" | tail -n 1
	else
		status=1
		tail -n 40 "$work/log"
		mkdir -p "$here/regressions/$name"
		cp "$work"/crashes/* "$here/regressions/$name/" 2>/dev/null
		echo "fuzz: $name failed; input kept in tests/fuzz/regressions/$name/"
	fi
	rm -rf "$work"
done
exit $status
