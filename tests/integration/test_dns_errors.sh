# dns rules: EAI_NONAME makes `getent ahosts` exit 2 and python3 raise
# socket.gaierror EAI_NONAME, EAI_AGAIN reaches python3 as such, latency
# delays the lookup, and names the rules do not match still resolve.
. "$(dirname "$0")/lib.sh"
need getent

cat >dns.cfg <<CFG
rules = (
  { name = "gone"; calls = ["dns"]; host = "*.chaos-test.example"; fault = "error"; errno = "EAI_NONAME"; },
  { name = "down"; calls = ["dns"]; host = "localhost"; fault = "error"; errno = "EAI_AGAIN"; enabled = false; },
  { name = "slow"; calls = ["dns"]; host = "LocalHost"; fault = "latency"; delay_ms = 300; }
);
CFG
cat >lookup.py <<'PY'
import socket, sys, time
started = time.monotonic()
try:
    addr = socket.getaddrinfo(sys.argv[1], 80, type=socket.SOCK_STREAM)[0][4][0]
    print("ok %s %.3f" % (addr, time.monotonic() - started))
except socket.gaierror as e:
    names = {socket.EAI_NONAME: "EAI_NONAME", socket.EAI_AGAIN: "EAI_AGAIN"}
    print("gaierror", names.get(e.errno, e.errno))
PY

assert_exit 0 getent ahosts localhost
new_segment
"$CTL" -s "$SEG" load dns.cfg || fail "cannot load dns.cfg"

assert_exit 2 under_segment "$SEG" getent ahosts api.chaos-test.example
assert_eq "gaierror EAI_NONAME" "$(under_segment "$SEG" python3 lookup.py db.chaos-test.example)" "python3 looking up a failed name"

# A name the rules do not fail resolves, late by the latency rule (host
# names match without regard to case).
out=$(under_segment "$SEG" python3 lookup.py localhost)
assert_match '^ok (127\.0\.0\.1|::1) ' "$out" "python3 looking up localhost"
assert_num "${out##* }" '>=' 0.3 "lookup time of localhost under delay_ms = 300"
assert_exit 0 under_segment "$SEG" getent ahosts localhost

"$CTL" -s "$SEG" enable down || fail "cannot enable 'down'"
assert_eq "gaierror EAI_AGAIN" "$(under_segment "$SEG" python3 lookup.py localhost)" "python3 under EAI_AGAIN"
assert_exit 2 under_segment "$SEG" getent ahosts localhost
# getent hosts goes through gethostbyname2, which fails the same way.
assert_exit 2 under_segment "$SEG" getent hosts localhost
assert_exit 0 getent hosts localhost
