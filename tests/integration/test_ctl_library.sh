# libchaos-shim-ctl as users get it: installed into a staging root (DESTDIR),
# a C program compiled with `pkg-config --cflags --libs chaos-shim-ctl`
# against the installed header drives a python3 client under the shim
# (whose path it takes from `pkg-config --variable=preloadlib chaos-shim`),
# and what the client sees matches a really refused connect.
. "$(dirname "$0")/lib.sh"
need make pkg-config cc

make -s -C "$CS_ROOT" -o all BUILD="$CS_BUILD" DESTDIR="$PWD/stage" PREFIX=/usr install >install.log 2>&1 ||
	fail "make install: $(cat install.log)"
export PKG_CONFIG_PATH=$PWD/stage/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$PWD/stage
libs=$(pkg-config --libs chaos-shim-ctl) || fail "pkg-config chaos-shim-ctl: no .pc file"
assert_eq "-I$PWD/stage/usr/include" "$(pkg-config --cflags chaos-shim-ctl | xargs)" "cflags of chaos-shim-ctl.pc"
assert_eq "" "$(pkg-config --libs chaos-shim | xargs)" "libs of chaos-shim.pc: the preload library is never linked"
preload=$(pkg-config --variable=preloadlib chaos-shim) # the sysroot included
[[ -f $preload ]] || fail "preloadlib: no file at $preload"
soname=$(readelf -d "$PWD/stage/usr/lib/libchaos-shim-ctl.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
assert_eq libchaos-shim-ctl.so.0 "$soname" "soname"
# Only the documented functions are exported.
exported=$(nm -D --defined-only "$PWD/stage/usr/lib/libchaos-shim-ctl.so" | awk '$2 == "T" { print $3 }' | grep -v '^chaos_shim_')
assert_eq "" "$exported" "exported functions outside chaos_shim_*"

# A sanitizer build (make test-asan) needs its runtime in the program too.
sanitize=${CS_PRELOAD_BEFORE:+-fsanitize=address,undefined}
# shellcheck disable=SC2086 # pkg-config's words
cc -std=c11 -Wall -Werror $sanitize $(pkg-config --cflags chaos-shim-ctl) -o ctl_drive "$PROGS/ctl_drive.c" \
	$libs -Wl,-rpath,"$PWD/stage/usr/lib" 2>cc.log || fail "compiling against the installed header: $(cat cc.log)"
loads=$(ldd ./ctl_drive)
assert_contains "libchaos-shim-ctl.so.0 => $PWD/stage/usr/lib/" "$loads" "the libraries ctl_drive loads"
assert_no_match 'libchaos-shim\.so' "$loads" "the libraries ctl_drive loads"

start_echo_server
closed=$(free_port)
python3 "$PROGS/tcp_client.py" "$closed" --times 1 >real.log
new_segment
rule="{ name = \"down\"; calls = [\"connect\"]; peer = \"*:$ECHO_PORT\"; fault = \"reset\"; }"
client="python3 $PROGS/tcp_client.py $ECHO_PORT --times 1"
./ctl_drive "$SEG" "${CS_PRELOAD_BEFORE:+$CS_PRELOAD_BEFORE }$preload" "$rule" sh -c "$client >>client.log" >drive.log 2>&1 ||
	fail "ctl_drive failed: $(cat drive.log)"
out=$(cat drive.log)
assert_contains "version 0.1.0" "$out" "version"
assert_eq 3 "$(wc -l <client.log)" "client runs"
assert_match '^ok ' "$(sed -n 1p client.log)" "client without the rule"
assert_eq "$(cut -d' ' -f1-3 real.log)" "$(sed -n 2p client.log | cut -d' ' -f1-3)" "client with the rule, against a real refused connect"
assert_match '^ok ' "$(sed -n 3p client.log)" "client after remove"
assert_contains "rule down matched 1 injected 1" "$out" "stats after one connect"
assert_contains "second add: code 4 exists 1: rule 'down' already exists in segment '$SEG'" "$out" "add of an existing rule"
assert_contains "remove unknown: code 5 no_rule 1: no rule 'no-such-rule' in segment '$SEG'" "$out" "remove of an unknown rule"
assert_contains "status down reset peer=*:$ECHO_PORT probability=1" "$out" "status of the rule"
assert_contains "rules 0" "$out" "stats after remove"
assert_match "reopen after destroy: failed code 3 no_segment 1: segment '$SEG'.* does not exist" "$out" "open after destroy"
# The CLI says the same things.
: >empty.cfg
"$CTL" -s "$SEG" load empty.cfg && "$CTL" -s "$SEG" add "$rule" || fail "cli add"
assert_exit 1 "$CTL" -s "$SEG" add "$rule"
assert_eq "chaos-shim-ctl: rule 'down' already exists in segment '$SEG'" "$ERR" "the CLI's message"
echo ok
