# `make install` twice, into two prefixes: each gets a pkg-config file that
# names its own prefix (the generated files follow PREFIX, LIBDIR and
# DATADIR), and each installed chaos-shim-ctl finds its own library.
. "$(dirname "$0")/lib.sh"
need make pkg-config

# -o all: install what is built, never rebuild it here (CS_BUILD may be a
# sanitizer build made with another CC).
install_to() {
	make -s -C "$CS_ROOT" -o all BUILD="$CS_BUILD" "$@" install >install.log 2>&1 ||
		fail "make install $*: $(cat install.log)"
}
pc_var() { # prefix variable
	PKG_CONFIG_PATH=$1/lib/pkgconfig pkg-config --variable="$2" chaos-shim
}

install_to PREFIX="$PWD/a"
install_to PREFIX="$PWD/b"
for p in a b; do
	assert_eq "$PWD/$p" "$(pc_var "$PWD/$p" prefix)" "prefix in the .pc file under $p"
	assert_eq "$PWD/$p/lib/libchaos-shim.so" "$(pc_var "$PWD/$p" preloadlib)" "preloadlib under $p"
	assert_eq "$PWD/$p/share/chaos-shim/profiles" "$(pc_var "$PWD/$p" profilesdir)" "profilesdir under $p"
	[[ -f $(pc_var "$PWD/$p" preloadlib) ]] || fail "no library where the .pc file of $p says"
	[[ -f $PWD/$p/share/man/man1/chaos-shim-ctl.1 ]] || fail "no man page under $p"
	ls "$PWD/$p"/share/chaos-shim/profiles/*.cfg >/dev/null || fail "no profiles under $p"
	assert_exit 0 env -u CHAOS_SHIM_LIB "$PWD/$p/bin/chaos-shim-ctl" run -- sh -c 'echo "$LD_PRELOAD"'
	assert_eq "$PWD/$p/lib/libchaos-shim.so" "$OUT" "the library run preloads from $p"
done

# LIBDIR and DATADIR on their own, and a staged install (DESTDIR).
install_to PREFIX="$PWD/c" LIBDIR="$PWD/c/lib64" DATADIR="$PWD/c/data"
assert_eq "$PWD/c/lib64" "$(PKG_CONFIG_PATH=$PWD/c/lib64/pkgconfig pkg-config --variable=libdir chaos-shim)" "LIBDIR"
assert_eq "$PWD/c/data/chaos-shim/profiles" "$(PKG_CONFIG_PATH=$PWD/c/lib64/pkgconfig pkg-config --variable=profilesdir chaos-shim)" "DATADIR"
install_to DESTDIR="$PWD/stage" PREFIX=/opt/chaos
assert_eq /opt/chaos "$(PKG_CONFIG_PATH=$PWD/stage/opt/chaos/lib/pkgconfig pkg-config --variable=prefix chaos-shim)" "prefix of a staged install"
# Back to the first prefix: regenerated again.
install_to PREFIX="$PWD/a"
assert_eq "$PWD/a" "$(pc_var "$PWD/a" prefix)" "prefix after installing to a again"
