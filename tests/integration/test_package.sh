# `make deb`: the package holds the library, the tool, the profiles, the
# man pages and the completion; unpacked into a scratch root, its
# chaos-shim-ctl finds its own library and profiles and runs a program
# under the shim.
. "$(dirname "$0")/lib.sh"
need dpkg-deb

assert_exit 0 make --no-print-directory -C "$CS_ROOT" BUILD="$CS_BUILD" deb
deb=$(tail -n 1 <<<"$OUT")
[[ -f $deb ]] || fail "make deb printed '$deb', which is not a file"
dpkg-deb -I "$deb" >info.txt || fail "dpkg-deb cannot read $deb"
assert_match 'Depends: .*libconfig' "$(cat info.txt)" "the package's dependencies"
dpkg-deb -x "$deb" root || fail "dpkg-deb -x failed"
for f in usr/bin/chaos-shim-ctl usr/lib/libchaos-shim.so \
	usr/lib/libchaos-shim-ctl.so.0 usr/include/chaos-shim/ctl.h usr/lib/pkgconfig/chaos-shim-ctl.pc \
	usr/share/man/man3/chaos-shim-ctl.3 \
	usr/share/chaos-shim/profiles/flaky-network.cfg \
	usr/share/man/man1/chaos-shim-ctl.1 usr/share/man/man5/chaos-shim-profile.5 \
	usr/share/man/man7/chaos-shim.7 \
	usr/share/bash-completion/completions/chaos-shim-ctl; do
	[[ -f root/$f ]] || fail "the package lacks /$f"
done
assert_match '^prefix=/usr$' "$(grep '^prefix=' root/usr/lib/pkgconfig/chaos-shim.pc)" "the packaged pkg-config file"

# The unpacked tool, from its own tree: its profiles by bare name, and
# its library preloaded into the command.
ctl=$PWD/root/usr/bin/chaos-shim-ctl
assert_exit 0 "$ctl" profiles
assert_match "^# $PWD/root/usr/bin/../share/chaos-shim/profiles" "$OUT" "where the profiles are"
assert_match $'\nudp-loss +30 % of outgoing UDP datagrams are lost' "$OUT" "the udp-loss line"
cat >term-on-clock.cfg <<'END'
rules = ( { name = "term"; calls = ["clock"]; fault = "kill"; signal = "SIGTERM"; } );
END
assert_exit 143 "$ctl" run -p term-on-clock.cfg -- date
assert_exit 0 "$ctl" run -p udp-loss -- sh -c 'echo "$LD_PRELOAD"'
assert_eq "$PWD/root/usr/lib/libchaos-shim.so" "$OUT" "the preloaded library"
