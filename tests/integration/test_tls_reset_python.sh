# python3's ssl (libssl opened with RTLD_LOCAL) under a TLS reset: the
# handshake fails with ConnectionResetError, a read ends the connection
# abruptly, and the server on the other end sees its connection reset.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tls.sh"

make_certs
start_pytls_server
write_tls_client

out=$(python3 tls_client.py "$PYTLS_PORT")
assert_match '^ok ' "$out" "client without the shim"
wait_line pytls.log 1 '.'
assert_eq fin "$(lines_after pytls.log 1)" "what the server saw without the shim"

cat >reset.cfg <<CFG
rules = ( { name = "tls-reset"; calls = ["ssl_handshake"]; fault = "reset"; } );
CFG
out=$(under_profile reset.cfg python3 tls_client.py "$PYTLS_PORT")
assert_match '^err ConnectionResetError 104 ' "$out" "client under reset on ssl_handshake"
wait_line pytls.log 2 '.'

cat >reset.cfg <<CFG
rules = ( { name = "tls-reset"; calls = ["ssl_read"]; fault = "reset"; } );
CFG
out=$(under_profile reset.cfg python3 tls_client.py "$PYTLS_PORT")
# python3 reads with SSL_read_ex, whose failure it reports as an EOF that
# broke the protocol (the same as for an RST from a real peer).
assert_match '^err SSLEOFError ' "$out" "client under reset on ssl_read"
# A real RST went out.
wait_line pytls.log 3 '.'
assert_eq rst "$(lines_after pytls.log 3)" "what the server saw"
