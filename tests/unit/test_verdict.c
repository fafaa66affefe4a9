/* Unit tests of the decisions the shim and the seccomp supervisor share
 * (cs_verdict.h) and of the event-log line both write (cs_event_line.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cs_decide.h"
#include "cs_event_line.h"
#include "cs_profile.h"
#include "cs_verdict.h"

static struct cs_table table;

static void compile(const char *text)
{
	char err[512];
	if (cs_profile_compile_string(text, "test", &table, err, sizeof err) < 0)
		fail_msg("%s", err);
}

static struct cs_sockaddr ipv4(const char *addr, int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port)};
	struct cs_sockaddr out;
	inet_pton(AF_INET, addr, &sin.sin_addr);
	cs_sockaddr_from((struct sockaddr *)&sin, sizeof sin, &out);
	return out;
}

static void test_matching(void **state)
{
	compile("rules = ("
		"{ name = \"db\"; calls = [\"connect\"]; peer = \"127.0.0.1:5432\";"
		"  proto = \"tcp\"; fault = \"reset\"; },"
		"{ name = \"api\"; calls = [\"dns\"]; host = \"*.example.com\";"
		"  fault = \"error\"; errno = \"EAI_AGAIN\"; },"
		"{ name = \"off\"; enabled = false; calls = [\"connect\"]; fault = \"reset\"; } );");
	struct cs_sockaddr db = ipv4("127.0.0.1", 5432), other = ipv4("127.0.0.1", 80);
	struct cs_match m = {.family = CS_FAM_CONNECT, .proto = CS_PROTO_TCP, .peer = &db};
	assert_true(cs_rule_matches(&table.rules[0], &m));
	m.proto = CS_PROTO_UDP;
	assert_false(cs_rule_matches(&table.rules[0], &m)); /* proto */
	m.proto = CS_PROTO_ANY;
	assert_false(cs_rule_matches(&table.rules[0], &m)); /* not known TCP */
	m.proto = CS_PROTO_TCP;
	m.peer = &other;
	assert_false(cs_rule_matches(&table.rules[0], &m)); /* peer */
	m.peer = NULL;
	assert_false(cs_rule_matches(&table.rules[0], &m)); /* no peer known */
	m.peer = &db;
	assert_false(cs_rule_matches(&table.rules[2], &m)); /* disabled */
	struct cs_match dns = {.family = CS_FAM_DNS, .host = "api.EXAMPLE.com"};
	assert_true(cs_rule_matches(&table.rules[1], &dns));
	dns.host = "example.com";
	assert_false(cs_rule_matches(&table.rules[1], &dns));
	dns.family = CS_FAM_CONNECT;
	assert_false(cs_rule_matches(&table.rules[1], &dns)); /* family */
}

/* A fault made for one protocol leaves the other's sockets, and unknown
 * ones, alone; a TLS session with no socket seen is taken as a stream. */
static void test_fault_protocols(void **state)
{
	compile("rules = ("
		"{ name = \"end\"; calls = [\"recv\", \"ssl_read\"]; fault = \"eof\"; },"
		"{ name = \"bad\"; calls = [\"recv\"]; fault = \"corrupt\"; bits = 2; } );");
	const struct cs_rule *end = &table.rules[0], *bad = &table.rules[1];
	struct cs_match m = {.family = CS_FAM_RECV, .proto = CS_PROTO_TCP};
	assert_true(cs_rule_matches(end, &m));
	assert_false(cs_rule_matches(bad, &m));
	m.proto = CS_PROTO_UDP;
	assert_false(cs_rule_matches(end, &m));
	assert_true(cs_rule_matches(bad, &m));
	m.proto = CS_PROTO_ANY; /* a unix socket */
	assert_false(cs_rule_matches(end, &m));
	assert_false(cs_rule_matches(bad, &m));
	struct cs_match bio = {.family = CS_FAM_SSL_READ, .unseen_stream = true};
	assert_true(cs_rule_matches(end, &bio));
	bio.unseen_stream = false;
	assert_false(cs_rule_matches(end, &bio));
}

static void test_injection_counts_and_budget(void **state)
{
	compile("rules = ( { name = \"r\"; calls = [\"recv\"]; after = 2; count = 3;"
		" fault = \"error\"; errno = \"EIO\"; } );");
	struct cs_seg_counter counter = {0};
	uint64_t key = cs_rule_key("r"), n;
	int injected = 0;
	for (int i = 0; i < 10; i++) {
		bool inj = cs_rule_injects(&table.rules[0], 1, key, &counter, &n);
		assert_int_equal(n, i);
		assert_int_equal(inj, i >= 2 && i < 5);
		injected += inj;
	}
	assert_int_equal(counter.matched, 10);
	assert_int_equal(counter.injected, 3);
	assert_int_equal(injected, 3);
}

static void test_action_folds_faults(void **state)
{
	compile("rules = ("
		"{ name = \"a\"; calls = [\"send\"]; fault = \"latency\"; delay_ms = 20; },"
		"{ name = \"b\"; calls = [\"send\"]; fault = \"latency\"; delay_ms = 30; },"
		"{ name = \"c\"; calls = [\"send\"]; fault = \"slice\"; max_bytes = 10; },"
		"{ name = \"d\"; calls = [\"send\"]; fault = \"reset\"; },"
		"{ name = \"e\"; calls = [\"send\"]; fault = \"loss\"; rto_ms = 200; } );");
	struct cs_action action;
	uint64_t delay;
	cs_action_clear(&action);
	assert_int_equal(action.terminal, -1);
	assert_false(cs_action_add(&table.rules[0], 1, 1, 0, true, 0, &action, &delay));
	assert_int_equal(delay, 20000000);
	assert_false(cs_action_add(&table.rules[1], 1, 2, 0, true, 0, &action, &delay));
	assert_int_equal(action.delay_ns, 50000000);
	assert_false(cs_action_add(&table.rules[2], 1, 3, 0, true, 0, &action, &delay));
	assert_int_equal(action.max_bytes, 10);
	assert_true(cs_action_add(&table.rules[3], 1, 4, 0, true, 0, &action, &delay));
	assert_int_equal(action.terminal, CS_FAULT_RESET);
	/* A loss is a retransmission delay on a stream, a lost datagram else. */
	cs_action_clear(&action);
	assert_false(cs_action_add(&table.rules[4], 1, 5, 0, true, 1, &action, &delay));
	assert_int_equal(action.delay_ns, 400000000); /* the second timeout */
	cs_action_clear(&action);
	assert_true(cs_action_add(&table.rules[4], 1, 5, 0, false, 0, &action, &delay));
	assert_int_equal(action.terminal, CS_FAULT_DROP);
}

/* The stream and datagram faults compose: the smallest limit_data wins,
 * the most bits flipped win with a key from seed, rule and match, and a
 * slow_close is a delay like latency's. None of them ends the evaluation
 * but eof. */
static void test_action_folds_new_faults(void **state)
{
	compile("rules = ("
		"{ name = \"big\"; calls = [\"recv\"]; fault = \"limit_data\"; bytes = 900; },"
		"{ name = \"small\"; calls = [\"recv\"]; fault = \"limit_data\"; bytes = 100; action = \"reset\"; },"
		"{ name = \"flip\"; calls = [\"recv\"]; fault = \"corrupt\"; bits = 3; },"
		"{ name = \"twice\"; calls = [\"send\"]; fault = \"duplicate\"; },"
		"{ name = \"late\"; calls = [\"close\"]; fault = \"slow_close\"; delay_ms = 70; },"
		"{ name = \"end\"; calls = [\"recv\"]; fault = \"eof\"; } );");
	struct cs_action action;
	uint64_t delay;
	cs_action_clear(&action);
	assert_false(cs_action_add(&table.rules[0], 1, 1, 0, true, 0, &action, &delay));
	assert_false(cs_action_add(&table.rules[1], 1, 2, 0, true, 0, &action, &delay));
	assert_false(cs_action_add(&table.rules[0], 1, 1, 1, true, 0, &action, &delay));
	assert_int_equal(action.limit_bytes, 100);
	assert_int_equal(action.limit_end, CS_LIMIT_RESET);
	assert_false(cs_action_add(&table.rules[2], 7, 3, 5, false, 0, &action, &delay));
	assert_int_equal(action.corrupt_bits, 3);
	assert_int_equal(action.corrupt_key, cs_hash3(7, 3, 5));
	assert_false(cs_action_add(&table.rules[3], 1, 4, 0, false, 0, &action, &delay));
	assert_true(action.duplicate);
	assert_int_equal(action.terminal, -1);
	assert_false(cs_action_add(&table.rules[4], 1, 5, 0, true, 0, &action, &delay));
	assert_int_equal(delay, 70000000);
	assert_int_equal(action.delay_ns, 70000000);
	assert_true(cs_action_add(&table.rules[5], 1, 6, 0, true, 0, &action, &delay));
	assert_int_equal(action.terminal, CS_FAULT_EOF);
}

/* reorder: each injection holds its datagram back for 1 to window later
 * ones, seeded, every count in reach; the first rule's count stands. */
static void test_reorder_counts(void **state)
{
	compile("rules = ("
		"{ name = \"a\"; calls = [\"send\"]; fault = \"reorder\"; window = 4; },"
		"{ name = \"b\"; calls = [\"send\"]; fault = \"reorder\"; window = 1000; } );");
	struct cs_action action;
	uint64_t delay;
	bool seen[5] = {false};
	for (uint64_t n = 0; n < 200; n++) {
		cs_action_clear(&action);
		assert_false(cs_action_add(&table.rules[0], 9, 1, n, false, 0, &action, &delay));
		uint32_t after = action.reorder_after;
		assert_in_range(after, 1, 4);
		seen[after] = true;
		assert_false(cs_action_add(&table.rules[1], 9, 2, n, false, 0, &action, &delay));
		assert_int_equal(action.reorder_after, after);
		cs_action_clear(&action);
		cs_action_add(&table.rules[0], 9, 1, n, false, 0, &action, &delay);
		assert_int_equal(action.reorder_after, after); /* the seed's */
	}
	assert_true(seen[1] && seen[2] && seen[3] && seen[4]);
}

static void test_event_line(void **state)
{
	compile("rules = ( { name = \"slow\"; calls = [\"connect\"];"
		" fault = \"latency\"; delay_ms = 5; } );");
	struct cs_sockaddr peer = ipv4("10.0.0.1", 443);
	struct cs_event ev = {.ts = {.tv_sec = 86400 * 365, .tv_nsec = 123456000},
			      .pid = 42, .tid = 43, .rule = &table.rules[0],
			      .call = "connect", .fd = 7, .peer = &peer,
			      .host = "a\"b\n", /* a program's, escaped */
			      .family = CS_FAM_CONNECT, .delay_ns = 5000000};
	char buf[CS_EVENT_LINE_MAX];
	size_t len = cs_event_line(&ev, buf, sizeof buf);
	buf[len] = 0;
	assert_string_equal(buf,
		"{\"ts\":\"1971-01-01T00:00:00.123456Z\",\"pid\":42,\"tid\":43,"
		"\"rule\":\"slow\",\"call\":\"connect\",\"fd\":7,"
		"\"peer\":\"10.0.0.1:443\",\"host\":\"a\\\"b\\u000a\","
		"\"fault\":\"latency\",\"delay_ms\":5}\n");
	/* Too small a buffer: cut, but still one line. */
	char small[40];
	len = cs_event_line(&ev, small, sizeof small);
	assert_int_equal(len, sizeof small);
	assert_memory_equal(small + len - 2, "}\n", 2);
	assert_int_equal(cs_event_line(&ev, small, 1), 0);
}

/* The new faults' parameters, flat beside the common keys. */
static void test_event_line_new_faults(void **state)
{
	compile("rules = ("
		"{ name = \"cut\"; calls = [\"recv\"]; fault = \"limit_data\"; bytes = 4096; action = \"hang\"; },"
		"{ name = \"flip\"; calls = [\"recv\"]; fault = \"corrupt\"; bits = 3; },"
		"{ name = \"late\"; calls = [\"close\"]; fault = \"slow_close\"; delay_ms = 70; },"
		"{ name = \"shuffle\"; calls = [\"send\"]; fault = \"reorder\"; window = 3; } );");
	static const char *const tails[] = {
		"\"fault\":\"limit_data\",\"bytes\":4096,\"action\":\"hang\"}\n",
		"\"fault\":\"corrupt\",\"bits\":3}\n",
		"\"fault\":\"slow_close\",\"delay_ms\":70}\n",
		"\"fault\":\"reorder\",\"window\":3}\n",
	};
	for (int i = 0; i < 4; i++) {
		struct cs_event ev = {.rule = &table.rules[i], .call = "recv",
				      .fd = -1, .family = CS_FAM_RECV,
				      .delay_ns = 70000000};
		char buf[CS_EVENT_LINE_MAX];
		size_t len = cs_event_line(&ev, buf, sizeof buf);
		buf[len] = 0;
		assert_non_null(strstr(buf, tails[i]));
		assert_string_equal(strstr(buf, tails[i]), tails[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matching),
		cmocka_unit_test(test_fault_protocols),
		cmocka_unit_test(test_injection_counts_and_budget),
		cmocka_unit_test(test_action_folds_faults),
		cmocka_unit_test(test_action_folds_new_faults),
		cmocka_unit_test(test_reorder_counts),
		cmocka_unit_test(test_event_line),
		cmocka_unit_test(test_event_line_new_faults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
