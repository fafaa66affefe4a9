# bandwidth: curl downloads 2 MiB from python3 -m http.server in about two
# seconds under bytes_per_s = 1 MiB/s on recv, and much faster without it.
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
