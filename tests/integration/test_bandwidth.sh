# bandwidth: curl downloads 2 MiB from python3 -m http.server in about two
# seconds under bytes_per_s = 1 MiB/s on recv, and much faster without it;
# so does an epoll client on a non-blocking socket, without spinning, also
# on a file descriptor past 16384 (the socket cache's range).
. "$(dirname "$0")/lib.sh"
need curl

head -c 2097152 /dev/urandom >blob
start_http_server
url=http://127.0.0.1:$HTTP_PORT/blob
fmt='%{size_download} %{time_total}'

assert_exit 0 curl -sS -o /dev/null -w "$fmt" "$url"
assert_eq 2097152 "${OUT% *}" "bytes downloaded without the shim"
assert_num "${OUT#* }" '<' 0.7 "download time without the shim"

cat >cap.cfg <<CFG
rules = ( { name = "cap"; calls = ["recv"]; peer = "127.0.0.1:$HTTP_PORT";
            fault = "bandwidth"; bytes_per_s = 1048576; } );
CFG
assert_exit 0 "$CTL" run -p cap.cfg -- curl -sS -o got -w "$fmt" "$url"
assert_eq 2097152 "${OUT% *}" "bytes downloaded under the cap"
assert_num "${OUT#* }" '>=' 1.7 "download time of 2 MiB at 1 MiB/s"
assert_num "${OUT#* }" '<=' 3 "download time of 2 MiB at 1 MiB/s"
cmp -s blob got || fail "the capped download differs from the file"

# The same cap on a non-blocking socket read through epoll: paced by
# readiness and EAGAIN, a few dozen wakeups and no CPU to speak of.
fds=("")
(($(ulimit -Hn) > 17000)) && fds+=(17000)
for fd in "${fds[@]}"; do
	assert_exit 0 "$CTL" run -p cap.cfg -- python3 "$PROGS/paced_download.py" "$HTTP_PORT" ${fd:+--fd "$fd"}
	assert_match '^ok n=2097[0-9]{3} ' "$OUT" "non-blocking download under the cap${fd:+ on fd $fd}"
	assert_num "$(value_of t "$OUT")" '>=' 1.7 "seconds of 2 MiB at 1 MiB/s, non-blocking${fd:+, fd $fd}"
	assert_num "$(value_of t "$OUT")" '<=' 3 "seconds of 2 MiB at 1 MiB/s, non-blocking${fd:+, fd $fd}"
	assert_num "$(value_of cpu "$OUT")" '<' 0.3 "CPU seconds of a paced non-blocking download${fd:+ on fd $fd}"
done
