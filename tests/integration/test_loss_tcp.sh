# loss on TCP is retransmission delay, never lost bytes: 10 MiB echoed
# through a real echo server at 20 % loss comes back intact (sha256), a run
# of requests all complete, and consecutive losses on one connection wait
# rto_ms, then twice, four times as long, back to rto_ms after a delivered
# call, as TCP's retransmission timer does.
. "$(dirname "$0")/lib.sh"

start_echo_server
LOAD=$PROGS/echo_load.py

out=$(python3 "$LOAD" bulk "$ECHO_PORT" 10)
assert_match '^bulk sent 10485760 received 10485760 intact yes ' "$out" "10 MiB echoed without the shim"
native=${out##* }

cat >loss.cfg <<CFG
rules = ( { name = "loss"; calls = ["send", "recv"]; peer = "127.0.0.1:$ECHO_PORT";
            fault = "loss"; probability = 0.2; rto_ms = 20; } );
CFG
out=$(CHAOS_SHIM_LOG=$PWD/bulk.jsonl under_profile loss.cfg python3 "$LOAD" bulk "$ECHO_PORT" 10)
assert_match '^bulk sent 10485760 received 10485760 intact yes ' "$out" "10 MiB echoed at 20 % loss"
losses=$(grep -c '"fault":"loss"' bulk.jsonl)
assert_num "$losses" '>=' 10 "losses injected while 10 MiB went through"
# Each loss waits 20 ms or more; the writer's and the reader's overlap,
# so at least a quarter of their sum shows.
assert_num "${out##* }" '>' "$native + $losses * 0.005" "seconds of the bulk echo, slower by the retransmissions"

out=$(under_profile loss.cfg python3 "$LOAD" requests "$ECHO_PORT" 200)
assert_match '^requests 200 of 200 intact yes ' "$out" "200 requests at 20 % loss"

# Three sends lost in a row wait 100, 200 and 400 ms; the fourth goes
# through, so the loss of the fifth waits 100 ms again.
cat >run.cfg <<CFG
rules = (
  { name = "three"; calls = ["send"]; peer = "127.0.0.1:$ECHO_PORT";
    fault = "loss"; count = 3; rto_ms = 100; },
  { name = "fifth"; calls = ["send"]; peer = "127.0.0.1:$ECHO_PORT";
    fault = "loss"; after = 4; count = 1; rto_ms = 100; }
);
CFG
out=$(CHAOS_SHIM_LOG=$PWD/run.jsonl under_profile run.cfg python3 "$LOAD" requests "$ECHO_PORT" 6)
assert_match '^requests 6 of 6 intact yes ' "$out" "6 requests under consecutive losses"
delays=$(sed -n 's/.*"delay_ms":\([0-9]*\).*/\1/p' run.jsonl | tr '\n' ' ')
assert_eq "100 200 400 100 " "$delays" "retransmission waits of the lost sends"
assert_num "${out##* }" '>=' 0.78 "seconds of 6 requests with 800 ms of retransmission waits"
