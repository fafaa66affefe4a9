# profiles/cert-expired.cfg (offset 60 days, scope tls) against a 30-day
# certificate: curl fails with "certificate has expired" (exit 60) and
# python3 raises CERTIFICATE_VERIFY_FAILED, while `date` in the same
# process tree under the same shim shows the true time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tls.sh"
need curl date

make_certs
start_tls_server
write_tls_client
url=https://localhost:$TLS_PORT/
profile=$PROFILES/cert-expired.cfg

assert_exit 0 curl -sS -o /dev/null --cacert ca.pem "$url"
assert_match '^ok ' "$(python3 tls_client.py "$TLS_PORT")" "python3 without the shim"

assert_exit 60 "$CTL" run -p "$profile" -- sh -c \
	'date +%s >date.before; curl -sS -o /dev/null --cacert ca.pem "$1"; rc=$?; date +%s >date.after; exit $rc' \
	sh "$url"
assert_contains 'certificate has expired' "$ERR" "curl's message"
now=$(date +%s)
assert_num "$(cat date.before) - $now" '>' -5 "date before curl, under the shim (true time $now)"
assert_num "$(cat date.after) - $now" '<' 5 "date after curl, under the shim (true time $now)"

assert_exit 0 "$CTL" run -p "$profile" -- python3 tls_client.py "$TLS_PORT"
assert_match '^err SSLCertVerificationError .*CERTIFICATE_VERIFY_FAILED.*certificate has expired' "$OUT" "python3 under the profile"
