# Helpers shared by the HTTP fault tests: progs/http_server.py, which logs
# each request it really gets, and the checks of what a client of
# progs/http_client.py saw on a kept-alive connection. Sourced after
# lib.sh.

# Starts progs/http_server.py with extra arguments (--tls CERT KEY,
# --first-503): sets HTTP_SERVER_PORT; its log is $1.
start_http_test_server() { # log [arguments...]
	local log=$1
	shift
	bg python3 -u "$PROGS/http_server.py" "$@" >"$log" 2>&1
	HTTP_SERVER_PORT=$(port_from_log "$log" "HTTP server") || exit 1
}

# How many requests reached the server that logs to $1.
requests_in() { # log
	grep -c '^REQ ' "$1"
}

# The client's two responses on one connection (cmd.out): the first made
# up by the shim (503 with Retry-After: 1), the second the server's
# answer to PATH, on the same connection.
assert_made_up_then_served() { # path what
	local first second
	first=$(sed -n 1p cmd.out) second=$(sed -n 2p cmd.out)
	assert_match '^503 1 busy [0-9]+$' "$first" "first response: $2"
	assert_match "^200 - hello $1 [0-9]+\$" "$second" "second response: $2"
	assert_eq "${first##* }" "${second##* }" "both on one connection (client port): $2"
	CLIENT_PORT=${second##* }
}

# Test certificates (lib_tls.sh), and progs/http_server.py twice: plain
# HTTP on PORT (log server.log) and HTTPS on TLS_PORT (log tls.log).
start_http_and_https_servers() {
	make_certs
	start_http_test_server server.log
	PORT=$HTTP_SERVER_PORT
	start_http_test_server tls.log --tls server.pem server.key
	TLS_PORT=$HTTP_SERVER_PORT
}
