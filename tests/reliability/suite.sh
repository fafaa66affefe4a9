#!/usr/bin/env bash
# Runs the reliability suites against one build folder (an absolute path):
#   plain  the fuzz corpus and regressions replayed, the reliability tests
#          and the stress test;
#   asan   the same with ASan+UBSan, plus the unit tests and the integration
#          tests, with the ASan runtime preloaded before the shim;
#   tsan   the unit tests, the stress test, the process-life, delayed-socket,
#          held-socket and segment-life tests with ThreadSanitizer in the
#          shim and in the test programs.
# Usage: suite.sh plain|asan|tsan BUILD
set -uo pipefail
mode=$1
export CS_BUILD=$2
# Tests that cannot run under a sanitizer (valgrind) look at this.
[[ $mode == plain ]] || export CS_SANITIZER=$mode CS_TEST_TIMEOUT=${CS_TEST_TIMEOUT:-300}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
status=0
step() {
	echo "== $mode: $*"
	"$@" || status=1
}

replay() {
	local bin name
	for bin in "$CS_BUILD"/fuzz/replay_fuzz_*; do
		name=${bin##*/replay_}
		local seeds=(tests/fuzz/corpus/"$name" tests/fuzz/regressions/"$name")
		[[ $name == fuzz_profile ]] && seeds+=(profiles)
		step "$bin" "${seeds[@]}"
	done
}

reliability_tests=(tests/reliability/test_*.sh tests/stress/test_stress.sh)
unit_bins=("$CS_BUILD"/tests/test_*)
case $mode in
plain)
	replay
	step tests/integration/run.sh "${reliability_tests[@]}"
	;;
asan)
	# Leaks are checked in our own binaries; python3 and curl, which
	# the integration tests run with the shim, are not ours.
	export LSAN_OPTIONS="suppressions=$root/tests/fuzz/lsan.supp"
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:verify_asan_link_order=0
	step tests/unit/run.sh "${unit_bins[@]}"
	replay
	export ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0:detect_stack_use_after_return=0
	export CS_PRELOAD_BEFORE=$(cc -print-file-name=libasan.so)
	# Under ASan the stress test runs a shorter control loop.
	export CS_STRESS_OPS=${CS_STRESS_OPS:-600} CS_STRESS_MIN=${CS_STRESS_MIN:-2000}
	step tests/integration/run.sh
	step tests/integration/run.sh "${reliability_tests[@]}"
	;;
tsan)
	export TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1"
	export CS_STRESS_OPS=${CS_STRESS_OPS:-400} CS_STRESS_MIN=${CS_STRESS_MIN:-2000}
	step tests/unit/run.sh "${unit_bins[@]}"
	step tests/integration/run.sh tests/stress/test_stress.sh tests/reliability/test_process_life.sh \
		tests/reliability/test_delayed_sockets.sh \
		tests/reliability/test_held_attacks.sh \
		tests/reliability/test_segment_life.sh
	;;
*)
	echo "usage: suite.sh plain|asan|tsan BUILD" >&2
	exit 2
	;;
esac
echo "reliability ($mode): $([[ $status == 0 ]] && echo passed || echo FAILED)"
exit $status
