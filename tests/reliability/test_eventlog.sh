# The event log in a hostile program: a program that closes every fd
# (close_range, closefrom), or dup2s a socket onto the log's number, and
# then opens files of its own must not find JSON in them; the log gets every
# line. A log path that is a FIFO, a symbolic link or another user's file is
# refused without blocking (and a FIFO as the profile, an included file or
# among the installed profiles); a new log is created 0600. A file-size limit, a
# full filesystem and a program with no free fd cost whole lines, never torn
# ones, and `stats` counts them; lines come back once an fd is free. Names
# and hosts that are not UTF-8 still make valid JSON.
. "$(dirname "$0")/../integration/lib.sh"

# Every line of FILE is a JSON object; prints how many there are.
json_lines() {
	python3 - "$1" <<'EOF' || fail "$1 holds a line that is not JSON: $(cat -v "$1" | head -c 600)"
import json, sys
n = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        assert line.endswith(b"\n"), line
        json.loads(line.decode("utf-8"))
        n += 1
print(n)
EOF
}

log_lost() {
	"$CTL" -s "$1" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["log_lost"])'
}

# Sends N datagrams to a local receiver, each one an injected fault when a
# rule matches `send`; used by most steps below.
cat >sends.py <<'PY'
import socket
def sends(n):
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind(("127.0.0.1", 0))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(n):
        s.sendto(b"x", r.getsockname())
    s.close()
    r.close()
PY

cat >slow.cfg <<CFG
log = "$PWD/events.jsonl";
rules = ( { name = "mark"; calls = ["send"]; fault = "latency"; delay_ms = 1; } );
CFG

# --- the program closes every fd and opens files on the same numbers --------
cat >closer.py <<'PY'
import os, socket, sys
from sends import sends
how = sys.argv[1]
sends(2)                       # the log is open now
def target(fd):
    try:
        return os.readlink("/proc/self/fd/" + fd)
    except OSError:
        return ""  # listdir's own descriptor
log_fd = next(int(fd) for fd in os.listdir("/proc/self/fd")
              if target(fd).endswith("events.jsonl"))
if how == "close_range":
    os.closerange(3, 1024)
elif how == "closefrom":
    import ctypes
    ctypes.CDLL(None).closefrom(3)
elif how == "dup2":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    os.dup2(s.fileno(), log_fd)
files = [os.open("mine.%d" % i, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) for i in range(4)]
sends(3)
print("log_fd", log_fd, "files", *files)
PY
for how in close_range closefrom dup2; do
	rm -f events.jsonl mine.*
	assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=slow.cfg python3 closer.py "$how"
	echo "$how: $OUT"
	for f in mine.*; do
		[[ ! -s $f ]] || fail "$how: the program's own file $f got: $(head -c 300 "$f")"
	done
	assert_eq 5 "$(json_lines events.jsonl)" "$how: lines in the event log"
done

# --- a stale socket cache: the number now names another socket or a file ---
# The fd's close goes around libc (a raw system call), so the shim never
# sees it; the number is then handed to another connection, or to a file.
cat >stale.py <<'PY'
import ctypes, fcntl, os, socket, sys, time
mode, port_a, port_b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
a = socket.create_connection(("127.0.0.1", port_a))
a.setblocking(False)
try:
    a.recv(1)                  # the shim caches fd -> TCP peer port_a
except BlockingIOError:
    pass
a.setblocking(True)
if mode == "socket":
    b = socket.create_connection(("127.0.0.1", port_b))
n = a.detach()
ctypes.CDLL(None).syscall(3, n)   # SYS_close, unseen by the shim
if mode == "socket":
    assert fcntl.fcntl(b.fileno(), fcntl.F_DUPFD, n) == n
    os.write(n, b"to-b\n")
    print("sent")
else:
    fd = os.open("plain.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    assert fd == n or fcntl.fcntl(fd, fcntl.F_DUPFD, n) == n
    t = time.monotonic()
    os.write(n, b"data\n")
    print("wrote %.3f" % (time.monotonic() - t))
PY
start_echo_server
port_a=$ECHO_PORT
cat >hits_a.cfg <<CFG
log = "$PWD/stale.jsonl";
rules = (
  { name = "reset-a"; calls = ["send"]; peer = "127.0.0.1:$port_a"; fault = "reset"; },
  { name = "slow-a";  calls = ["send"]; peer = "127.0.0.1:$port_a"; fault = "latency"; delay_ms = 1500; },
  { name = "arm-recv"; calls = ["recv"]; peer = "127.0.0.1:1"; fault = "latency"; delay_ms = 1; }
);
CFG
# A second server, that prints what it receives.
cat >server_b.py <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print("port", s.getsockname()[1], flush=True)
c, _ = s.accept()
print("got", c.recv(100).decode().strip(), flush=True)
PY
bg python3 -u server_b.py >b.log
port_b=$(port_from_log b.log "server b") || exit 1
assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=hits_a.cfg python3 stale.py socket "$port_a" "$port_b"
assert_eq sent "$OUT" "a send on the number that now holds the connection to b"
wait_line b.log 0 '^got to-b$' 5
sed 's/{ name = "reset-a".*//' hits_a.cfg >slow_a.cfg
assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=slow_a.cfg python3 stale.py file "$port_a" "$port_b"
assert_match '^wrote ' "$OUT" "write to a file on a stale socket number"
assert_num "${OUT#wrote }" '<' 0.75 "seconds for a write to a plain file (a 1.5 s latency rule names the old socket)"
assert_eq $'data' "$(cat plain.txt)" "the file's content"
[[ ! -s stale.jsonl ]] || fail "events for calls that were not faulted: $(cat stale.jsonl)"

# --- log paths that are not a regular file of this user -----------------------
# Each must leave the program running at once, write nowhere, and say why.
log_at() {
	cat >at.cfg <<CFG
log = "$1";
rules = ( { name = "mark"; calls = ["send"]; fault = "latency"; delay_ms = 1; } );
CFG
	assert_exit 0 timeout 20 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=at.cfg \
		python3 -c 'from sends import sends; sends(3); print("done")'
	assert_eq done "$OUT" "program with log '$1'"
}
mkfifo log.fifo
log_at "$PWD/log.fifo"
assert_contains "event log '$PWD/log.fifo' is not a regular file" "$ERR" "FIFO log"
# The same FIFO as the profile, or included by it: the program starts.
assert_exit 0 timeout 20 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=log.fifo python3 -c 'print("up")'
assert_contains "cannot read profile '$PWD/log.fifo': not a regular file" "$ERR" "FIFO profile"
printf '@include "log.fifo"\n' >includes_fifo.cfg
assert_exit 0 timeout 20 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=includes_fifo.cfg python3 -c 'print("up")'
assert_contains "cannot read included file '$PWD/log.fifo': not a regular file" "$ERR" "FIFO included"
# A FIFO among the installed profiles: `profiles` lists the rest at once.
mkdir -p inst/bin inst/profiles
cp "$CTL" inst/bin/ && cp "$PROFILES/flaky-network.cfg" inst/profiles/ && mkfifo inst/profiles/zz.cfg
assert_exit 0 timeout 10 inst/bin/chaos-shim-ctl profiles
assert_contains "flaky-network" "$OUT" "profiles beside a FIFO"
echo 'not yours' >target
ln -s "$PWD/target" log.link
ln -s "$PWD/absent" dangling.link
log_at "$PWD/log.link"
assert_contains "is a symbolic link" "$ERR" "symlinked log"
assert_eq 'not yours' "$(cat target)" "the symlink's target"
log_at "$PWD/dangling.link"
[[ ! -e absent ]] || fail "a dangling symlink's target was created"
if [[ $(id -u) == 0 ]]; then
	touch foreign.log && chown 65534 foreign.log
	log_at "$PWD/foreign.log"
	assert_contains "belongs to another user" "$ERR" "another user's log"
	[[ ! -s foreign.log ]] || fail "another user's log was written: $(cat foreign.log)"
fi
(umask 022 && log_at "$PWD/fresh.log")
assert_eq 600 "$(stat -c %a fresh.log)" "mode of a new event log"
assert_eq 3 "$(json_lines fresh.log)" "lines in the new log"

# --- no space: a file-size limit, a full filesystem ---------------------------
new_segment
"$CTL" -s "$SEG" load slow.cfg >/dev/null || fail "load failed"
rm -f events.jsonl
# About 4 lines fit in 900 bytes; the kernel would cut the 5th short, and
# stop the program with SIGXFSZ at the 6th.
assert_exit 0 prlimit --fsize=900 env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" \
	python3 -c 'from sends import sends; sends(20)'
kept=$(json_lines events.jsonl)
assert_num "$kept" '>=' 2 "whole lines kept under a 900-byte limit"
assert_eq 20 "$((kept + $(log_lost "$SEG")))" "lines kept + lines counted lost"
"$CTL" -s "$SEG" stats >stats.txt
assert_contains "event log: $((20 - kept)) lines lost" "$(cat stats.txt)" "stats text"

# A real full filesystem, where a private mount is allowed (root).
mkdir -p small
if unshare -m mount -t tmpfs -o size=8k tmpfs small 2>/dev/null; then
	"$CTL" -s "$SEG" stats --reset >/dev/null
	cat >full.cfg <<CFG
log = "$PWD/small/events.jsonl";
rules = ( { name = "mark"; calls = ["send"]; fault = "latency"; delay_ms = 1; } );
CFG
	"$CTL" -s "$SEG" load full.cfg >/dev/null || fail "load failed"
	assert_exit 0 unshare -m bash -c '
		mount -t tmpfs -o size=8k tmpfs small || exit 1
		head -c 7000 /dev/zero >small/filler
		env LD_PRELOAD="$0" CHAOS_SHIM_SEGMENT="$1" python3 -c "from sends import sends; sends(40)"
		rm small/filler
		cp small/events.jsonl full.jsonl' "$SHIM" "$SEG"
	kept=$(json_lines full.jsonl)
	assert_num "$kept" '<' 40 "lines kept on a full filesystem"
	assert_eq 40 "$((kept + $(log_lost "$SEG")))" "lines kept + lines counted lost (full filesystem)"
fi

# --- no free fd at the first injection, then some ------------------------------
"$CTL" -s "$SEG" load slow.cfg >/dev/null || fail "load failed"
"$CTL" -s "$SEG" stats --reset >/dev/null
rm -f events.jsonl
cat >nofd.py <<'PY'
import os, resource, socket
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(("127.0.0.1", 0))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
held = []
try:
    while True:
        held.append(os.open("/dev/null", os.O_RDONLY))
except OSError:
    pass
for _ in range(5):
    s.sendto(b"x", r.getsockname())
for fd in held:
    os.close(fd)
for _ in range(7):
    s.sendto(b"x", r.getsockname())
print("done")
PY
assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_SEGMENT="$SEG" python3 nofd.py
assert_eq 7 "$(json_lines events.jsonl)" "lines written once fds were free"
assert_eq 5 "$(log_lost "$SEG")" "lines lost while no fd was free"

# --- names and hosts that are not UTF-8 -----------------------------------------
printf '%s\n' "log = \"$PWD/utf8.jsonl\";" \
	'rules = ( { name = "bad-\xff\xfe-name"; calls = ["send"]; fault = "latency"; delay_ms = 1; },' \
	'          { name = "dns"; calls = ["dns"]; fault = "error"; errno = "EAI_NONAME"; } );' >utf8.cfg
"$CTL" check utf8.cfg >/dev/null || fail "utf8.cfg does not compile: $("$CTL" check utf8.cfg 2>&1)"
assert_exit 0 env LD_PRELOAD="$SHIM" CHAOS_SHIM_PROFILE=utf8.cfg python3 -c '
import socket
from sends import sends
sends(1)
try:
    socket.getaddrinfo(b"caf\xe9-\xc3\x28.example", 80)
except socket.gaierror:
    print("refused")'
assert_eq refused "$OUT" "getaddrinfo of a host that is not UTF-8"
assert_eq 2 "$(json_lines utf8.jsonl)" "lines with bytes that are not UTF-8"
grep -q 'bad-\\ufffd\\ufffd-name' utf8.jsonl || fail "rule name not escaped: $(cat utf8.jsonl)"
grep -q 'caf\\ufffd-\\ufffd(.example' utf8.jsonl || fail "host not escaped: $(cat utf8.jsonl)"
echo "event log: ok"
