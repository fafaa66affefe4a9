# slice: recv never returns more than max_bytes, sends go out in small
# pieces, and the whole message still arrives intact.
. "$(dirname "$0")/lib.sh"

start_echo_server
cat >slice.cfg <<CFG
rules = ( { name = "slice-recv"; calls = ["recv"]; peer = "127.0.0.1:$ECHO_PORT";
            fault = "slice"; max_bytes = 7; } );
CFG

out=$(under_profile slice.cfg python3 "$PROGS/tcp_client.py" "$ECHO_PORT" --size 5000)
assert_match '^ok n=5000 max=[1-7] intact=yes ' "$out" "5000-byte echo with recv sliced to 7"

# Slicing both directions: sendall() has to loop, the data is unchanged.
cat >both.cfg <<CFG
rules = ( { name = "slice-both"; calls = ["send", "recv"]; peer = "127.0.0.1:$ECHO_PORT";
            fault = "slice"; max_bytes = 3; } );
CFG
out=$(under_profile both.cfg python3 "$PROGS/tcp_client.py" "$ECHO_PORT" --size 5000)
assert_match '^ok n=5000 max=[1-3] intact=yes ' "$out" "5000-byte echo with send and recv sliced to 3"

# A datagram read with MSG_TRUNC: the kernel returns the datagram's whole
# length, which a program takes as the bytes in its buffer; under the slice
# it must see the 3 bytes it got, and its buffer beyond them untouched.
# Without the shim the same call returns the 100 bytes it received.
cat >trunc.py <<'PY'
import socket
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(("127.0.0.1", 0))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"A" * 100, r.getsockname())
buf = bytearray(b"." * 200)
n = r.recv_into(buf, 200, socket.MSG_TRUNC)
print(n, buf[:n].decode(), buf.count(b"A"))
PY
cat >dgram.cfg <<CFG
rules = ( { name = "cut-dgram"; calls = ["recv"]; proto = "udp"; fault = "slice"; max_bytes = 3; } );
CFG
assert_eq "100 $(printf 'A%.0s' {1..100}) 100" "$(python3 trunc.py)" "MSG_TRUNC without the shim"
assert_eq "3 AAA 3" "$(under_profile dgram.cfg python3 trunc.py)" "MSG_TRUNC under a 3-byte slice"
