# UDP drop on send: about 30 % of 2000 datagrams never arrive, the sender
# sees no error, and with a seed the exact count repeats across runs.
. "$(dirname "$0")/lib.sh"

cat >loss.cfg <<CFG
rules = ( { name = "udp-loss"; calls = ["send"]; proto = "udp";
            probability = 0.3; fault = "drop"; } );
CFG

received() { # output of udp_loss.py -> number received
	assert_match '^sent 2000 received [0-9]+$' "$1" "udp_loss.py output"
	echo "${1##* }"
}

out=$(python3 "$PROGS/udp_loss.py" 2000)
assert_eq "sent 2000 received 2000" "$out" "loopback without the shim loses nothing"

# Binomial(2000, 0.7): mean 1400, sigma 20.5; 4 sigma either side.
n1=$(received "$("$CTL" run -p loss.cfg --seed 11 -- python3 "$PROGS/udp_loss.py" 2000)") || exit 1
assert_num "$n1" '>=' 1318 "datagrams received under 30 % loss"
assert_num "$n1" '<=' 1482 "datagrams received under 30 % loss"

n2=$(received "$("$CTL" run -p loss.cfg --seed 11 -- python3 "$PROGS/udp_loss.py" 2000)") || exit 1
assert_eq "$n1" "$n2" "received count of a second run with the same seed"

# Through the environment variable instead of --seed, the same again.
n3=$(received "$(CHAOS_SHIM_SEED=11 under_profile loss.cfg python3 "$PROGS/udp_loss.py" 2000)") || exit 1
assert_eq "$n1" "$n3" "received count with CHAOS_SHIM_SEED=11 and plain preload"
