# chaos-shim-ctl check: the shipped profiles pass; each broken profile fails
# with exit 1 and one message that names file:line and the rule.
. "$(dirname "$0")/lib.sh"

assert_exit 0 "$CTL" check "$PROFILES"/*.cfg
assert_exit 2 "$CTL" check
assert_exit 2 "$CTL" no-such-subcommand

# broken NAME LINE RULE WORD: the profile on stdin must be refused with a
# message naming NAME.cfg:LINE, 'RULE' and WORD.
broken() {
	cat >"$1.cfg"
	assert_exit 1 "$CTL" check "$1.cfg"
	assert_eq 1 "$(grep -c . <<<"$ERR")" "lines of the message for $1.cfg ('$ERR')"
	assert_match "$1\.cfg:$2([^0-9]|$)" "$ERR" "file:line in the message for $1.cfg"
	assert_contains "'$3'" "$ERR" "rule name in the message for $1.cfg"
	assert_contains "$4" "$ERR" "subject of the message for $1.cfg"
}

broken unknown-key 4 slow-db dealy_ms <<'CFG'
rules = (
  { name = "slow-db"; calls = ["connect"];
    fault = "latency";
    dealy_ms = 200; }
);
CFG
broken bad-peer 3 api 'not-an-address' <<'CFG'
rules = (
  { name = "api"; calls = ["recv"]; fault = "reset";
    peer = "not-an-address:80"; }
);
CFG
broken bad-fault 4 clock-reset clock <<'CFG'
seed = 1;
rules = (
  { name = "ok-rule"; calls = ["recv"]; fault = "reset"; },
  { name = "clock-reset"; calls = ["clock"]; fault = "reset"; }
);
CFG
broken bad-errno 2 e EWHATEVER <<'CFG'
rules = (
  { name = "e"; calls = ["recv"]; fault = "error"; errno = "EWHATEVER"; }
);
CFG
broken duplicate 3 twice twice <<'CFG'
rules = (
  { name = "twice"; calls = ["recv"]; fault = "reset"; },
  { name = "twice"; calls = ["send"]; fault = "reset"; }
);
CFG
# A drop with a probability on TCP data calls would lose bytes that TCP
# delivers: check points to loss. On UDP, on connect, or always, it stays.
broken tcp-drop 2 lossy "fault 'loss'" <<'CFG'
rules = (
  { name = "lossy"; calls = ["connect", "recv"]; probability = 0.2;
    fault = "drop"; }
);
CFG
cat >drops.cfg <<'CFG'
rules = (
  { name = "udp"; calls = ["send", "recv"]; proto = "udp"; probability = 0.2; fault = "drop"; },
  { name = "connects"; calls = ["connect"]; probability = 0.2; fault = "drop"; },
  { name = "partition"; calls = ["connect", "send", "recv"]; fault = "drop"; },
  { name = "loss"; calls = ["send", "recv"]; probability = 0.2; fault = "loss"; rto_ms = 300; }
);
CFG
assert_exit 0 "$CTL" check drops.cfg

# HTTP faults: a status code HTTP has, headers as "Name: value" on one
# line, the request keys only with an HTTP fault, which acts on the calls
# that carry a request; run --trap cannot fabricate what a read returns.
broken http-status 2 busy "status 99 out of range 100..599" <<'CFG'
rules = (
  { name = "busy"; calls = ["send"]; fault = "http_response"; status = 99; }
);
CFG
broken http-header 3 busy 'is not "Name: value"' <<'CFG'
rules = (
  { name = "busy"; calls = ["send"]; fault = "http_response"; status = 503;
    headers = ["Retry-After 1"]; }
);
CFG
broken http-crlf 3 busy "holds a CR, LF" <<'CFG'
rules = (
  { name = "busy"; calls = ["send"]; fault = "http_response"; status = 503;
    headers = ["X-Evil: a\r\nSet-Cookie: b"]; }
);
CFG
broken http-length 3 busy "is set by the shim" <<'CFG'
rules = (
  { name = "busy"; calls = ["send"]; fault = "http_response"; status = 503;
    headers = ["Content-Length: 9"]; }
);
CFG
broken http-key 2 slow "key 'http_path' does not apply to fault 'latency'" <<'CFG'
rules = (
  { name = "slow"; calls = ["send"]; fault = "latency"; delay_ms = 5; http_path = "/api"; }
);
CFG
broken http-calls 2 busy "does not fit call 'recv'" <<'CFG'
rules = (
  { name = "busy"; calls = ["recv"]; fault = "http_response"; status = 503; }
);
CFG
broken http-udp 2 busy 'is for proto "tcp" only' <<'CFG'
rules = (
  { name = "busy"; calls = ["send"]; proto = "udp"; fault = "http_response"; status = 503; }
);
CFG
broken http-method 3 busy "not an upper-case method name" <<'CFG'
rules = (
  { name = "busy"; calls = ["send"]; fault = "http_response"; status = 503;
    http_method = "get"; }
);
CFG
cat >http.cfg <<'CFG'
rules = (
  { name = "busy"; calls = ["send", "ssl_write"]; fault = "http_response"; status = 503;
    headers = ["Retry-After: 1", "Cache-Control: no-store, no-cache"]; body = "busy\n";
    keep_alive = true; http_method = "GET"; http_path = "/api/*"; },
  { name = "slow"; calls = ["send"]; fault = "http_delay"; delay_ms = 300; http_path = "/slow"; }
);
CFG
assert_exit 0 "$CTL" check http.cfg
assert_exit 1 "$CTL" check --trap http.cfg
assert_match "fault 'http_response'.*'busy' \(http\.cfg:2\).*decrypted" "$ERR" "check --trap on an HTTP fault"

# Several files: every one is checked, the bad one named, exit 1.
assert_exit 1 "$CTL" check "$PROFILES/udp-loss.cfg" unknown-key.cfg
assert_contains "unknown-key.cfg:4" "$ERR" "message when checking a good and a bad file"

# A syntax error names the file and the line too.
printf 'rules = (\n  { name = "x"; calls = ["recv"; fault = "reset"; }\n);\n' >syntax.cfg
assert_exit 1 "$CTL" check syntax.cfg
assert_match 'syntax\.cfg:2([^0-9]|$)' "$ERR" "file:line of a syntax error"
