# sendmmsg and recvmmsg get the faults of the send and recv families: a
# batch of 8 UDP datagrams of 100 bytes on loopback (progs/mmsg.c, built
# here), beside the same run without the shim.
. "$(dirname "$0")/lib.sh"
need cc

cc -O1 -o mmsg "$PROGS/mmsg.c" || fail "cannot build progs/mmsg.c"

rule() { # writes r.cfg with one rule of the given body
	echo "rules = ( { name = \"r\"; $1 } );" >r.cfg
}

assert_eq "sendmmsg 8 sizes 100 100 100 100 100 100 100 100" "$(./mmsg send)" "sendmmsg without the shim"
assert_match "^recvmmsg 8 sizes( 100){8} ms" "$(./mmsg recv)" "recvmmsg without the shim"

# A slice of 250 bytes: two datagrams whole, the third cut, the call short.
rule 'calls = ["send"]; fault = "slice"; max_bytes = 250;'
assert_eq "sendmmsg 3 sizes 100 100 50" "$(under_profile r.cfg ./mmsg send)" "sendmmsg under a 250-byte slice"
rule 'calls = ["recv"]; fault = "slice"; max_bytes = 150;'
assert_match "^recvmmsg 2 sizes 100 50t ms" "$(under_profile r.cfg ./mmsg recv)" "recvmmsg under a 150-byte slice"

rule 'calls = ["send"]; fault = "error"; errno = "ENOBUFS";'
assert_eq "sendmmsg error No buffer space available" "$(under_profile r.cfg ./mmsg send)" "sendmmsg under an error"

# UDP loss: the batch is gone, and the sender cannot tell.
rule 'calls = ["send"]; proto = "udp"; fault = "loss"; rto_ms = 200;'
assert_eq "sendmmsg 8 sizes" "$(under_profile r.cfg ./mmsg send)" "sendmmsg under UDP loss"

rule 'calls = ["recv"]; fault = "latency"; delay_ms = 200;'
out=$(under_profile r.cfg ./mmsg recv)
assert_match "^recvmmsg 8 sizes( 100){8} ms" "$out" "recvmmsg under latency"
assert_num "${out##* }" '>=' 195 "ms of a recvmmsg 200 ms late"
