# Counters of clock rules: an always-on skew counts every read, though each
# thread adds its reads up in batches (every one of them is in by the time
# the program has exited); a skew with scope "tls" leaves ordinary clock
# reads alone and counts nothing for them.
. "$(dirname "$0")/lib.sh"

cat >skews.cfg <<CFG
rules = (
  { name = "process"; calls = ["clock"]; fault = "clock_skew"; offset_s = 3600; },
  { name = "certs";   calls = ["clock"]; fault = "clock_skew"; offset_s = 86400; scope = "tls"; }
);
CFG
# 3 threads of 1000 time.time() calls each, then the skew seen.
cat >reads.py <<'PY'
import threading, time
def reads():
    for _ in range(1000):
        time.time()
threads = [threading.Thread(target=reads) for _ in range(3)]
for t in threads: t.start()
for t in threads: t.join()
PY
new_segment
"$CTL" -s "$SEG" load skews.cfg || fail "cannot load skews.cfg"
truth=$(date +%s)
assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" \
	python3 -c 'import time; [time.time() for _ in range(999)]; print(int(time.time()))'
assert_num "$OUT - $truth" '>' 3500 "the process skew applies"
assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" python3 reads.py
matched=$(stat_of "$SEG" process matched)
injected=$(stat_of "$SEG" process injected)
assert_num "$matched" '>=' 4000 "reads counted by the always-on skew"
assert_eq "$matched" "$injected" "injected and matched of an always-on skew"
assert_eq 0 "$(stat_of "$SEG" certs matched)" "tls-scoped skew on ordinary clock reads"
