# clock_skew with scope "process": the whole program sees the shifted wall
# clock, so `date` is 60 days ahead and the 30-day certificate has expired.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tls.sh"
need curl date

make_certs
start_tls_server
cat >ahead.cfg <<CFG
rules = ( { name = "ahead"; calls = ["clock"]; fault = "clock_skew";
            offset_s = 5184000; scope = "process"; } );
CFG

assert_exit 0 "$CTL" run -p ahead.cfg -- date +%s
assert_num "$OUT - $(date +%s)" '>' "5184000 - 5" "date under offset_s = 60 days"
assert_num "$OUT - $(date +%s)" '<' "5184000 + 5" "date under offset_s = 60 days"

assert_exit 60 "$CTL" run -p ahead.cfg -- curl -sS -o /dev/null --cacert ca.pem "https://localhost:$TLS_PORT/"
assert_contains 'certificate has expired' "$ERR" "curl's message"
