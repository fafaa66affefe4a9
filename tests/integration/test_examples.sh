# examples/run.sh, as a user runs it: under flaky-network.cfg, a client
# that retries with idempotency keys applies each transfer once, and the
# same client without keys applies some twice.
. "$(dirname "$0")/lib.sh"

BUILD=$CS_BUILD assert_exit 0 "$CS_ROOT/examples/run.sh" 40 7
assert_match 'ledger: +40 transfers applied for 40 sent' "$OUT" "keyed run's ledger"
assert_match 'event log: +[1-9][0-9]* connection\(s\) reset' "$OUT" "resets in the event log"
assert_match 'ledger: +4[1-9] transfers applied for 40 sent' "$OUT" "unkeyed run's ledger"
assert_match 'Without keys [1-9][0-9]* transfer\(s\) were applied twice' "$OUT" "the summary"
