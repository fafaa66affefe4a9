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
