# The Python package: `pip install ./python` (no package index) into a
# virtual environment of Debian's python3, then its pytest suite
# (python/tests), which drives a real http.server and redis-server under
# the shim through urllib, requests and redis-py.
#
# Debian's interpreter on purpose: a `python3` earlier in PATH (pyenv) does
# not see Debian's python3-pytest, python3-requests and python3-redis.
. "$(dirname "$0")/lib.sh"

py=/usr/bin/python3
[[ -x $py ]] || { echo "skipped: $py (Debian's python3) is not installed" >&2; exit 77; }
for module in pytest venv; do
	"$py" -c "import $module" 2>/dev/null ||
		{ echo "skipped: $py cannot import $module (install python3-pytest and python3-venv)" >&2; exit 77; }
done

"$py" -m venv --system-site-packages venv || fail "cannot make a virtual environment"
# A copy: the build leaves its files beside the sources.
cp -r "$CS_ROOT/python" src
venv/bin/pip install --no-index ./src >pip.log 2>&1 || fail "pip install ./python: $(cat pip.log)"
venv/bin/python -c 'import chaos_shim' || fail "chaos_shim is not importable after pip install"

# The package finds the preload library beside the controller library.
export CHAOS_SHIM_CTL_LIB=$CS_BUILD/libchaos-shim-ctl.so
# A sanitizer build (make test-asan) needs its runtime loaded first.
LD_PRELOAD=${CS_PRELOAD_BEFORE:-} venv/bin/python -m pytest -p no:cacheprovider -q -rs "$CS_ROOT/python/tests" >pytest.log 2>&1 ||
	fail "pytest: $(tail -n 40 pytest.log)"
cat pytest.log
grep -q ' passed' pytest.log || fail "pytest ran nothing: $(cat pytest.log)"
