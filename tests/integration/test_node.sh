# The Node package (node/): its node:test suite starts a real node http
# server under the shim and sees a reset rule as a real reset, through
# chaos-shim-ctl from the build.
. "$(dirname "$0")/lib.sh"
need node

major=$(node -p 'process.versions.node.split(".")[0]')
((major >= 18)) || { echo "skipped: node $major is older than 18 (node:test)" >&2; exit 77; }
# The package uses chaos-shim-ctl, which finds the preload library beside it.
export CHAOS_SHIM_CTL=$CTL
# A sanitizer build (make test-asan): node needs the runtime named in
# LD_PRELOAD, before the shim.
[[ -n ${CS_PRELOAD_BEFORE:-} ]] && export CHAOS_SHIM_LIB=$SHIM
node --test "$CS_ROOT/node/test/" >node.log 2>&1 || fail "node --test: $(grep -E '^not ok|# (fail|pass)|Error|assert' node.log | head -n 30)"
grep -q '^# fail 0$' node.log || fail "node --test: $(tail -n 20 node.log)"
grep -q '^# pass [1-9]' node.log || fail "node --test ran nothing: $(tail -n 20 node.log)"
