# UDP duplicate and corrupt: a datagram sent twice arrives twice; a
# received one has exactly `bits` bits flipped, the same ones for the same
# seed; TCP sockets are left alone, and check refuses the faults with proto
# "tcp" (TCP's checksums and sequence numbers hide such damage).
. "$(dirname "$0")/lib.sh"

assert_eq "got 5 flips 0 0 0 0 0" "$(python3 "$PROGS/udp_damage.py")" "without the shim"

cat >dup.cfg <<CFG
log = "events.log";
rules = ( { name = "twice"; calls = ["send"]; fault = "duplicate"; after = 1; count = 2; } );
CFG
assert_eq "got 7 flips 0 0 0 0 0 0 0" "$(under_profile dup.cfg python3 "$PROGS/udp_damage.py")" \
	"two of five datagrams duplicated"

cat >corrupt.cfg <<CFG
seed = 7;
log = "events.log";
rules = ( { name = "damage"; calls = ["recv"]; fault = "corrupt"; bits = 3; at = [2, 4]; } );
CFG
assert_eq "got 5 flips 0 3 0 3 0" "$(under_profile corrupt.cfg python3 "$PROGS/udp_damage.py")" \
	"the second and fourth datagrams damaged"
assert_match '"fault":"corrupt","bits":3' "$(cat events.log)" "the event log"

# The same seed damages the same bits.
cat >bytes.py <<'PY'
import socket
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); rx.bind(("127.0.0.1", 0))
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(bytes(32), rx.getsockname())
print(rx.recv(100).hex())
PY
cat >corrupt1.cfg <<CFG
seed = 7;
rules = ( { name = "damage"; calls = ["recv"]; fault = "corrupt"; bits = 3; } );
CFG
a=$(under_profile corrupt1.cfg python3 bytes.py)
b=$(under_profile corrupt1.cfg python3 bytes.py)
assert_eq "$a" "$b" "the bits one seed flips"
assert_ne "$(printf '0%.0s' {1..64})" "$a" "a damaged datagram"

# A TCP connection under the same rules is untouched.
cat >both.cfg <<CFG
rules = ( { name = "twice"; calls = ["send"]; fault = "duplicate"; },
          { name = "damage"; calls = ["recv"]; fault = "corrupt"; bits = 8; } );
CFG
assert_udp_only both.cfg corrupt
