# eof: a receive returns 0 once, as after the peer's FIN, and the stream
# goes on after it. curl downloading a 1 MiB file stops with a partial
# transfer (18), as against a server that really closes early; a python3
# client reads b"" (plain) or SSLEOFError (TLS, no close_notify), and its
# next read gets the data the eof did not consume.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tls.sh"
need curl

# The real condition: a server that promises 1 MiB and closes after 100 kB.
bg python3 -u "$PROGS/short_server.py" 100000 close >short.log 2>&1
SHORT_PORT=$(port_from_log short.log "a server that stops early") || exit 1
curl -s -o /dev/null "http://127.0.0.1:$SHORT_PORT/"
assert_eq 18 $? "curl against a server that closes early"

head -c 1048576 /dev/zero >big.bin
start_http_server
cat >eof.cfg <<CFG
rules = ( { name = "eof-mid-body"; calls = ["recv"]; peer = "127.0.0.1:$HTTP_PORT";
            fault = "eof"; after = 3; count = 1; } );
CFG
curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/big.bin"
assert_eq 0 $? "curl without the shim"
"$CTL" run -p eof.cfg -- curl -s -o got.bin "http://127.0.0.1:$HTTP_PORT/big.bin"
assert_eq 18 $? "curl under eof on recv"
assert_num "$(stat -c %s got.bin)" '<' 1048576 "bytes curl kept"

# Once: the next read gets the echo that the eof left in the socket.
start_echo_server
make_certs
start_pytls_server
cat >once.cfg <<CFG
log = "events.log";
rules = ( { name = "eof-plain"; calls = ["recv"]; peer = "127.0.0.1:$ECHO_PORT";
            fault = "eof"; count = 1; },
          { name = "eof-tls"; calls = ["ssl_read"]; fault = "eof"; count = 1; } );
CFG
assert_eq "b'ping\\n'" "$(python3 "$PROGS/eof_once.py" "$ECHO_PORT" plain)" "plain client without the shim"
assert_eq "b'' b'ping\\n'" "$(under_profile once.cfg python3 "$PROGS/eof_once.py" "$ECHO_PORT" plain)" \
	"plain client under eof"
assert_match '"fault":"eof"' "$(cat events.log)" "the event log"
assert_eq "SSLEOFError b'ping\\n'" "$(under_profile once.cfg python3 "$PROGS/eof_once.py" "$PYTLS_PORT" tls)" \
	"TLS client under eof on ssl_read"

# UDP sockets are left alone: an end of stream is a stream's.
cat >udp.cfg <<CFG
rules = ( { name = "eof-any"; calls = ["recv"]; fault = "eof"; } );
CFG
out=$(under_profile udp.cfg python3 -c '
import socket
a, b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM), socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.bind(("127.0.0.1", 0)); b.sendto(b"dgram", a.getsockname()); print(a.recv(100))')
assert_eq "b'dgram'" "$out" "a UDP receive under an eof rule without proto"
sed 's/fault = "eof"/proto = "udp"; fault = "eof"/' udp.cfg >udp-only.cfg
assert_exit 1 "$CTL" check udp-only.cfg
assert_contains "fault 'eof' is for proto \"tcp\" only" "$ERR" "check on eof with proto udp"
