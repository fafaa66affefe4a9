# `run` warns when the profile has TLS rules and the program's TLS is out
# of the shim's reach: node carries its own OpenSSL, wget uses GnuTLS. And
# the warning is right: under profiles/cert-expired.cfg curl sees the
# certificate expire while node and wget still accept it; without TLS
# rules, or for curl, there is no warning.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tls.sh"
need curl

make_certs
start_tls_server
url=https://localhost:$TLS_PORT/
tls=$PROFILES/cert-expired.cfg
cat >plain.cfg <<'CFG'
rules = ( { name = "net"; calls = ["recv"]; fault = "latency"; delay_ms = 1; } );
CFG
warning="the profile's TLS rules (ssl_* calls, scope \"tls\") do not reach it"

assert_exit 60 "$CTL" run -p "$tls" -- curl -sS -o /dev/null --cacert ca.pem "$url"
assert_no_match 'warning' "$ERR" "run's stderr for curl, whose libssl the shim sees"
checked=curl

# A sanitizer build (make test-asan): node needs the runtime named in
# LD_PRELOAD (run puts the shim before it).
asan_env=(env ${CS_PRELOAD_BEFORE:+LD_PRELOAD=$CS_PRELOAD_BEFORE})
if command -v node >/dev/null; then
	fetch='require("https").get(process.argv[1], { ca: require("fs").readFileSync("ca.pem") },
	  (r) => { console.log("ok " + r.statusCode); r.resume(); }).on("error", (e) => console.log("err " + e.code))'
	assert_exit 0 "${asan_env[@]}" "$CTL" run -p "$tls" -- node -e "$fetch" "$url"
	assert_eq "chaos-shim-ctl: warning: 'node' carries its own OpenSSL: $warning" "$ERR" "run's warning for node"
	assert_eq "ok 200" "$OUT" "node under the expired-certificate profile (the skew does not reach it)"
	assert_exit 0 "${asan_env[@]}" "$CTL" run -p plain.cfg -- node -e "$fetch" "$url"
	assert_eq "" "$ERR" "run's stderr for node without TLS rules"
	checked+=" node"
fi
if command -v wget >/dev/null; then
	assert_exit 0 "$CTL" run -p "$tls" -- wget -q -O /dev/null --ca-certificate=ca.pem "$url"
	assert_eq "chaos-shim-ctl: warning: 'wget' uses GnuTLS: $warning" "$ERR" "run's warning for wget"
	checked+=" wget"
fi
echo "checked: $checked"
