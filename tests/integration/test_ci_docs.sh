# docs/CI.md's snippets cannot run here (a CI service, a container engine,
# a cluster): check what can be. Each YAML block parses; every chaos-shim
# path the Dockerfile and the pod name is in the Debian package; and the
# library and the tool look for their dependencies beside themselves
# first, as the pod's copy needs.
. "$(dirname "$0")/lib.sh"
need dpkg-deb readelf

doc=$CS_ROOT/docs/CI.md
yaml_python=
for py in python3 /usr/bin/python3; do
	"$py" -c 'import yaml' 2>/dev/null && { yaml_python=$py; break; }
done
[[ -n $yaml_python ]] || fail "no python3 with the yaml module (Debian: python3-yaml)"
"$yaml_python" - "$doc" <<'PY' || fail "a YAML block of docs/CI.md does not parse"
import re, sys, yaml
blocks = re.findall(r"```yaml\n(.*?)```", open(sys.argv[1]).read(), re.S)
assert len(blocks) == 3, "expected 3 yaml blocks, found %d" % len(blocks)
for block in blocks:
    doc = yaml.safe_load(block)
    assert isinstance(doc, dict) and doc, "empty block"
print("parsed", len(blocks))
PY

assert_exit 0 make --no-print-directory -C "$CS_ROOT" BUILD="$CS_BUILD" deb
deb=$(tail -n 1 <<<"$OUT")
dpkg-deb -c "$deb" | awk '{ print substr($6, 2) }' | sed 's|/$||' >contents.txt
paths=$(grep -oE '/usr/(lib|bin|share)/(libchaos-shim\.so|chaos-shim-ctl|chaos-shim/profiles)' "$doc" | sort -u)
[[ -n $paths ]] || fail "no package path found in docs/CI.md"
for path in $paths; do
	grep -qx -- "$path" contents.txt || fail "docs/CI.md names $path, which the package lacks"
done
grep -q 'apt-get install -y ./ci/chaos-shim_[0-9.]*_amd64.deb' "$doc" || fail "no package install line"
version=$(sed -n 's/^VERSION *:= *//p' "$CS_ROOT/Makefile")
assert_eq "" "$(grep -o 'chaos-shim_[0-9.]*_amd64' "$doc" | grep -v "_${version}_" | sort -u)" "package version in docs/CI.md"

for bin in "$CS_BUILD/libchaos-shim.so" "$CS_BUILD/chaos-shim-ctl"; do
	assert_match 'RUNPATH.*\[\$ORIGIN\]' "$(readelf -d "$bin")" "run path of $bin"
done
mkdir copy && cp "$CS_BUILD/libchaos-shim.so" copy/
LD_DEBUG=libs LD_PRELOAD=$PWD/copy/libchaos-shim.so env true 2>ld.txt
assert_match "trying file=$PWD/copy/libconfig.so.9" "$(cat ld.txt)" "libconfig looked up beside the library"
