# sendfile, splice and copy_file_range to and from a socket get the faults
# of the send and recv families: python's socket.sendfile, os.splice and
# os.copy_file_range on a loopback connection, beside the same runs
# without the shim.
. "$(dirname "$0")/lib.sh"

FDCOPY=$PROGS/fdcopy.py
head -c 3000000 /dev/urandom >payload.bin
want=$(sha256sum payload.bin | cut -d' ' -f1)

rule() { # writes r.cfg with one rule of the given body
	echo "rules = ( { name = \"r\"; $1 } );" >r.cfg
}

out=$(python3 "$FDCOPY" sendfile payload.bin)
assert_match "^sendfile sent 3000000 received 3000000 sha256 $want " "$out" "sendfile without the shim"

# Short writes: python loops over sendfile until the file is through, and
# every byte arrives in order.
rule 'calls = ["send"]; fault = "slice"; max_bytes = 65536;'
out=$(CHAOS_SHIM_LOG=$PWD/slice.jsonl under_profile r.cfg python3 "$FDCOPY" sendfile payload.bin)
assert_match "^sendfile sent 3000000 received 3000000 sha256 $want " "$out" "sendfile cut to 64 KiB"
calls=$(grep -c '"call":"sendfile"' slice.jsonl)
assert_num "$calls" '>=' 46 "sendfile calls sliced (3000000 / 65536 = 46)"

# Latency on the first send: the copy starts 300 ms late.
rule 'calls = ["send"]; fault = "latency"; delay_ms = 300; count = 1;'
out=$(under_profile r.cfg python3 "$FDCOPY" sendfile payload.bin)
assert_match "sha256 $want " "$out" "sendfile under latency"
assert_num "${out##* }" '>=' 0.29 "seconds of a sendfile 300 ms late"

# asyncio's sock_sendfile calls sendfile on a non-blocking socket: the
# latency holds the socket back (EAGAIN, not writable) instead of blocking
# the event loop, and the file still arrives whole. (`proto = "tcp"` keeps
# the rule off asyncio's own wake-up socketpair.)
rule 'calls = ["send"]; proto = "tcp"; fault = "latency"; delay_ms = 300; count = 1;'
out=$(under_profile r.cfg python3 "$FDCOPY" sock_sendfile payload.bin)
assert_match "^sock_sendfile sent 3000000 received 3000000 sha256 $want " "$out" "asyncio sock_sendfile under latency"
assert_num "${out##* }" '>=' 0.29 "seconds of a non-blocking sendfile 300 ms late"

# A bandwidth cap paces sendfile like send: 3 MB at 1 MB/s.
rule 'calls = ["send"]; fault = "bandwidth"; bytes_per_s = 1000000;'
out=$(under_profile r.cfg python3 "$FDCOPY" sendfile payload.bin)
assert_match "sha256 $want " "$out" "sendfile under a bandwidth cap"
assert_num "${out##* }" '>=' 1.8 "seconds of 3 MB sent at 1 MB/s"

# splice moves at most the slice, in either direction.
assert_eq "splice returned 5000" "$(python3 "$FDCOPY" splice-out 5000)" "splice into a socket without the shim"
rule 'calls = ["send"]; fault = "slice"; max_bytes = 1000;'
assert_eq "splice returned 1000" "$(under_profile r.cfg python3 "$FDCOPY" splice-out 5000)" "splice into a socket under a 1000-byte slice"
rule 'calls = ["recv"]; fault = "slice"; max_bytes = 1000;'
assert_eq "splice returned 1000" "$(under_profile r.cfg python3 "$FDCOPY" splice-in 5000)" "splice out of a socket under a 1000-byte slice"
rule 'calls = ["recv"]; fault = "reset";'
assert_eq "splice error ECONNRESET" "$(under_profile r.cfg python3 "$FDCOPY" splice-in 5000)" "splice out of a socket under reset"

# The kernel refuses a socket in copy_file_range (EINVAL); an injected
# error comes first, as on any other send.
assert_eq "copy_file_range error EINVAL" "$(python3 "$FDCOPY" copy_file_range)" "copy_file_range to a socket without the shim"
rule 'calls = ["send"]; fault = "error"; errno = "ECONNRESET";'
assert_eq "copy_file_range error ECONNRESET" "$(under_profile r.cfg python3 "$FDCOPY" copy_file_range)" "copy_file_range to a socket under an error"

# A dropped datagram vanishes on its way: the calls report it sent, and the
# bytes leave their source as they would have (the file's position moves
# on, the pipe is emptied), so the program's next call starts after them.
assert_eq "returned 100 100 position 100 pipe 0 received 2" \
	"$(python3 "$FDCOPY" udp-sendfile payload.bin)" "sendfile and splice into UDP without the shim"
rule 'calls = ["send"]; proto = "udp"; fault = "drop";'
assert_eq "returned 100 100 position 100 pipe 0 received 0" \
	"$(under_profile r.cfg python3 "$FDCOPY" udp-sendfile payload.bin)" "sendfile and splice into UDP under drop"
