# reset on recv: the python3 client gets ConnectionResetError and the server
# on the other end sees its connection reset too (a real RST went out).
. "$(dirname "$0")/lib.sh"

start_echo_server
cat >reset.cfg <<CFG
rules = ( { name = "reset-recv"; calls = ["recv"]; peer = "127.0.0.1:$ECHO_PORT";
            fault = "reset"; } );
CFG

# The same client without the shim gets its echo: the server works.
out=$(python3 "$PROGS/tcp_client.py" "$ECHO_PORT")
assert_match '^ok n=16 .*intact=yes' "$out" "client without the shim"
wait_line echo.log 1 '^closed$'

out=$(under_profile reset.cfg python3 "$PROGS/tcp_client.py" "$ECHO_PORT")
assert_match '^err ConnectionResetError 104 ' "$out" "client under reset on recv"

# The server's next read on that connection fails with ECONNRESET.
wait_line echo.log 2 '.'
assert_eq "error ConnectionResetError 104" "$(lines_after echo.log 2)" "what the server saw"
