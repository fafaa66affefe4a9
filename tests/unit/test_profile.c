/* Unit tests of the profile compiler, `set` and the table validator: the
 * accepted language, every kind of error message, and the invariants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/rule_keys.h"
#include "cs_names.h"
#include "cs_profile.h"
#include "cs_schedule.h"
#include "cs_table.h"

static struct cs_table table;
static char err[1024];

static int compile(const char *text)
{
	return cs_profile_compile_string(text, "f.cfg", &table, err, sizeof(err));
}

/* One rule on line 2 of f.cfg, named x, with the given keys. */
#define RULE(keys) "rules = (\n{ name = \"x\"; " keys " }\n);\n"

#define assert_compiles(text)                                                  \
	do {                                                                   \
		if (compile(text) != 0)                                        \
			fail_msg("%s", err);                                   \
		assert_int_equal(cs_table_validate(&table, err, sizeof(err)), 0); \
	} while (0)

#define assert_refused(text, message)                                          \
	do {                                                                   \
		assert_int_equal(compile(text), -1);                           \
		assert_string_equal(err, message);                             \
	} while (0)

static const char contract_example[] =
	"seed = 42;\n"
	"log = \"chaos-events.jsonl\";\n"
	"rules = (\n"
	"  {\n"
	"    name = \"slow-db\";\n"
	"    enabled = true;\n"
	"    calls = [ \"connect\", \"send\", \"recv\" ];\n"
	"    peer = \"127.0.0.1:5432\";\n"
	"    proto = \"tcp\";\n"
	"    probability = 1.0;\n"
	"    after = 0;\n"
	"    count = 0;\n"
	"    fault = \"latency\";\n"
	"    delay_ms = 200;\n"
	"    jitter_ms = 50;\n"
	"  },\n"
	"  { name = \"flaky-api\";    calls = [\"recv\"];  peer = \"*:8080\"; probability = 0.1; fault = \"reset\"; },\n"
	"  { name = \"udp-loss\";     calls = [\"send\"];  proto = \"udp\";   probability = 0.3; fault = \"drop\"; },\n"
	"  { name = \"eintr\";        calls = [\"recv\"];  probability = 0.05; fault = \"error\"; errno = \"EINTR\"; },\n"
	"  { name = \"cert-expired\"; calls = [\"clock\"]; fault = \"clock_skew\"; offset_s = 5184000; scope = \"tls\"; }\n"
	");\n";

/* ---- what compiles */

static void test_contract_example(void **state)
{
	char cwd[512], want[600];
	const struct cs_rule *r = table.rules;

	assert_compiles(contract_example);
	assert_int_equal(table.nrules, 5);
	assert_int_equal(table.has_seed, 1);
	assert_int_equal(table.seed, 42);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(want, sizeof(want), "%s/chaos-events.jsonl", cwd);
	assert_string_equal(table.log_path, want);

	assert_string_equal(r[0].name, "slow-db");
	assert_int_equal(r[0].line, 4);
	assert_int_equal(r[0].calls, CS_BIT(CS_FAM_CONNECT) | CS_BIT(CS_FAM_SEND) |
					     CS_BIT(CS_FAM_RECV));
	assert_int_equal(r[0].fault, CS_FAULT_LATENCY);
	assert_int_equal(r[0].proto, CS_PROTO_TCP);
	assert_int_equal(r[0].has_peer, 1);
	assert_int_equal(r[0].peer.family, AF_INET);
	assert_int_equal(r[0].peer.port_lo, 5432);
	assert_int_equal(r[0].delay_ms, 200);
	assert_int_equal(r[0].jitter_ms, 50);

	assert_int_equal(r[1].line, 17);
	assert_int_equal(r[1].fault, CS_FAULT_RESET);
	assert_true(r[1].probability == 0.1);
	assert_int_equal(r[1].peer.family, 0);
	assert_int_equal(r[1].peer.port_lo, 8080);
	assert_int_equal(r[2].proto, CS_PROTO_UDP);
	assert_int_equal(r[2].fault, CS_FAULT_DROP);
	assert_int_equal(r[3].error, EINTR);
	assert_int_equal(r[4].offset_ns, 5184000LL * 1000000000LL);
	assert_int_equal(r[4].scope, CS_SCOPE_TLS);
	assert_int_equal(cs_table_find(&table, "eintr"), 3);
	assert_int_equal(cs_table_find(&table, "nope"), -1);
}

static void test_defaults(void **state)
{
	const struct cs_rule *r = table.rules;
	assert_compiles("rules = (\n"
			"{ name = \"a\"; calls = [\"recv\"]; fault = \"kill\"; },\n"
			"{ name = \"b\"; calls = [\"clock\"]; fault = \"clock_skew\"; }\n"
			");\n");
	assert_int_equal(table.has_seed, 0);
	assert_string_equal(table.log_path, "");
	assert_int_equal(r[0].line, 2);
	assert_int_equal(r[0].enabled, 1);
	assert_true(r[0].probability == 1.0);
	assert_int_equal(r[0].after, 0);
	assert_int_equal(r[0].count, 0);
	assert_int_equal(r[0].signal, SIGKILL);
	assert_int_equal(r[0].has_peer, 0);
	assert_int_equal(r[0].proto, CS_PROTO_ANY);
	assert_int_equal(r[1].line, 3);
	assert_true(r[1].rate == 1.0);
	assert_int_equal(r[1].scope, CS_SCOPE_PROCESS);
	assert_int_equal(r[1].monotonic, 0);
	assert_int_equal(r[1].offset_ns, 0);
}

static void test_empty_profiles(void **state)
{
	assert_compiles("");
	assert_int_equal(table.nrules, 0);
	assert_compiles("rules = ();");
	assert_compiles("rules = [];");
	assert_compiles("seed = 0; log = \"/var/tmp/e.jsonl\";");
	assert_int_equal(table.has_seed, 1);
	assert_string_equal(table.log_path, "/var/tmp/e.jsonl");
}

static void test_every_parameter(void **state)
{
	const struct cs_rule *r = table.rules;
	assert_compiles(
		"rules = (\n"
		"{ name = \"l\"; calls = [\"accept\"]; local = \"*:6379\"; fault = \"latency\"; delay_ms = 3600000; jitter_ms = 10; after = 3; count = 2; enabled = false; },\n"
		"{ name = \"d\"; calls = [\"ssl_handshake\"]; fault = \"drop\"; hang_ms = 250; },\n"
		"{ name = \"s\"; calls = [\"ssl_read\", \"ssl_write\"]; fault = \"slice\"; max_bytes = 1; },\n"
		"{ name = \"b\"; calls = [\"send\"]; fault = \"bandwidth\"; bytes_per_s = 10000000000L; },\n"
		"{ name = \"k\"; calls = [\"connect\"]; fault = \"kill\"; signal = \"TERM\"; probability = 0; },\n"
		"{ name = \"c\"; calls = [\"clock\"]; fault = \"clock_skew\"; offset_s = -1.5; rate = 2.5; monotonic = true; },\n"
		"{ name = \"n\"; calls = [\"dns\"]; host = \"*.Example.COM\"; fault = \"error\"; errno = \"EAI_NONAME\"; },\n"
		"{ name = \"e\"; calls = [\"connect\", \"accept\"]; fault = \"error\"; errno = \"econnrefused\"; probability = 1; }\n"
		");\n");
	assert_int_equal(r[0].has_local, 1);
	assert_int_equal(r[0].local.port_lo, 6379);
	assert_int_equal(r[0].delay_ms, 3600000);
	assert_int_equal(r[0].after, 3);
	assert_int_equal(r[0].count, 2);
	assert_int_equal(r[0].enabled, 0);
	assert_int_equal(r[1].hang_ms, 250);
	assert_int_equal(r[2].max_bytes, 1);
	assert_int_equal(r[3].bytes_per_s, 10000000000ull);
	assert_int_equal(r[4].signal, SIGTERM);
	assert_true(r[4].probability == 0.0);
	assert_int_equal(r[5].offset_ns, -1500000000LL);
	assert_true(r[5].rate == 2.5);
	assert_int_equal(r[5].monotonic, 1);
	assert_string_equal(r[6].host, "*.example.com");
	assert_int_equal(r[6].error, EAI_NONAME);
	assert_int_equal(r[7].error, ECONNREFUSED);
	assert_int_equal(cs_table_armed_mask(&table) & CS_BIT(CS_FAM_ACCEPT),
			 CS_BIT(CS_FAM_ACCEPT)); /* "e" is enabled */
}

static void test_log_path_made_absolute(void **state)
{
	assert_compiles("log = \"sub/dir/e.jsonl\";");
	assert_int_equal(table.log_path[0], '/');
	assert_non_null(strstr(table.log_path, "/sub/dir/e.jsonl"));
	assert_compiles("log = \"\";");
	assert_string_equal(table.log_path, "");
}

/* ---- one test per kind of error */

static void test_error_syntax(void **state)
{
	assert_refused("seed = 1;\nrules = (\n{ name = ; }\n);", "syntax error (f.cfg:3)");
	assert_refused("seed = 1;\nseed = 2;\n",
		       "syntax error: duplicate setting name (f.cfg:2)");
}

static void test_error_unreadable_file(void **state)
{
	assert_int_equal(cs_profile_compile_file("/nonexistent/x.cfg", &table, err,
						 sizeof(err)), -1);
	assert_string_equal(err, "cannot read profile '/nonexistent/x.cfg': "
				 "No such file or directory");
	assert_int_equal(cs_profile_compile_file("/", &table, err, sizeof(err)), -1);
	assert_string_equal(err, "cannot read profile '/': Is a directory");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Messages name the file as given, and an included file by its path. */
static void test_error_names_file_as_given(void **state)
{
	char dir[] = "/tmp/cs-profile-XXXXXX";
	char main_cfg[128], inc_cfg[128], want[256];

	assert_non_null(mkdtemp(dir));
	snprintf(main_cfg, sizeof(main_cfg), "%s/main.cfg", dir);
	snprintf(inc_cfg, sizeof(inc_cfg), "%s/rules.inc", dir);
	write_file(main_cfg, "seed = 7;\n@include \"rules.inc\"\n");
	write_file(inc_cfg, "rules = (\n{ name = \"x\"; calls = [\"recv\"];\n  fault = \"reset\"; delay_ms = 1; }\n);\n");

	assert_int_equal(cs_profile_compile_file(main_cfg, &table, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
		 "key 'delay_ms' does not apply to fault 'reset' in rule 'x' (%s:3)", inc_cfg);
	assert_string_equal(err, want);

	write_file(inc_cfg, "rules = ();\n");
	assert_int_equal(cs_profile_compile_file(main_cfg, &table, err, sizeof(err)), 0);
	assert_int_equal(table.seed, 7);

	write_file(main_cfg, "\nseed = x;\n");
	assert_int_equal(cs_profile_compile_file(main_cfg, &table, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "syntax error (%s:2)", main_cfg);
	assert_string_equal(err, want);
	unlink(inc_cfg);
	unlink(main_cfg);
	rmdir(dir);
}

/* A FIFO as the profile or as an included file is refused at once: reading
 * it would block the program that starts under the shim. */
static void test_fifo_refused_without_blocking(void **state)
{
	char dir[] = "/tmp/cs-profile-XXXXXX";
	char main_cfg[128], fifo[128], nested[128], want[512];

	assert_non_null(mkdtemp(dir));
	snprintf(main_cfg, sizeof(main_cfg), "%s/main.cfg", dir);
	snprintf(nested, sizeof(nested), "%s/nested.inc", dir);
	snprintf(fifo, sizeof(fifo), "%s/pipe", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(cs_profile_compile_file(fifo, &table, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "cannot read profile '%s': not a regular file", fifo);
	assert_string_equal(err, want);

	write_file(main_cfg, "seed = 7;\n  @include \"nested.inc\"\n");
	write_file(nested, "# nothing yet\n\n@include \"pipe\"\n");
	assert_int_equal(cs_profile_compile_file(main_cfg, &table, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
		 "cannot read included file '%s/pipe': not a regular file (%s:3)", dir, nested);
	assert_string_equal(err, want);

	write_file(nested, "rules = ();\n");
	assert_int_equal(cs_profile_compile_file(main_cfg, &table, err, sizeof(err)), 0);
	assert_int_equal(table.seed, 7);
	unlink(fifo);
	unlink(nested);
	unlink(main_cfg);
	rmdir(dir);
}

static void test_error_unknown_top_level_key(void **state)
{
	assert_refused("seed = 1;\nrule = ();\n", "unknown top-level key 'rule' (f.cfg:2)");
}

static void test_error_top_level_types(void **state)
{
	assert_refused("seed = \"42\";", "key 'seed' must be an integer (f.cfg:1)");
	assert_refused("seed = -1;", "seed -1 must be at least 0 (f.cfg:1)");
	assert_refused("log = 3;", "key 'log' must be a string (f.cfg:1)");
	assert_refused("rules = { a = 1; };", "key 'rules' must be a list of groups (f.cfg:1)");
	assert_refused("rules = (\n{ name = \"a\"; calls = [\"recv\"]; fault = \"reset\"; },\n 3\n);",
		       "rule 2 is not a group in braces (f.cfg:3)");
}

static void test_error_log_too_long(void **state)
{
	char text[2200];
	char path[1100];
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	snprintf(text, sizeof(text), "log = \"%s\";", path);
	assert_refused(text, "log path is longer than 1023 bytes (f.cfg:1)");
}

static void test_error_too_many_rules(void **state)
{
	char text[8192];
	size_t n = 0;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "rules = (\n");
	for (int i = 0; i <= CS_MAX_RULES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "%s{ name = \"r%d\"; calls = [\"recv\"]; fault = \"reset\"; }\n",
				      i ? "," : "", i);
	snprintf(text + n, sizeof(text) - n, ");\n");
	assert_refused(text, "too many rules: 65, at most 64 (f.cfg:1)");
}

static void test_error_rule_without_name(void **state)
{
	assert_refused("rules = (\n{ name = \"a\"; calls = [\"recv\"]; fault = \"reset\"; },\n\n"
		       "{ calls = [\"recv\"]; fault = \"reset\"; }\n);",
		       "rule 2 has no name (f.cfg:4)");
}

static void test_error_bad_name(void **state)
{
	assert_refused("rules = (\n{ name = 5; }\n);",
		       "key 'name' must be a string in rule 1 (f.cfg:2)");
	assert_refused("rules = (\n{ name = \"\"; }\n);",
		       "rule name is empty in rule 1 (f.cfg:2)");
	assert_refused("rules = (\n{ name = \"a\\tb\"; }\n);",
		       "rule name holds a control character, quote or backslash in rule 1 (f.cfg:2)");
	assert_refused("rules = (\n{ name = \"0123456789012345678901234567890123456789012345678901234567890123\"; }\n);",
		       "rule name '0123456789012345678901234567890123456789012345678901234567890123' "
		       "is longer than 63 bytes in rule 1 (f.cfg:2)");
	/* 63 bytes is the longest name. */
	assert_compiles("rules = ({ name = \"012345678901234567890123456789012345678901234567890123456789012\"; "
			"calls = \"recv\"; fault = \"reset\"; });");
}

static void test_error_duplicate_name(void **state)
{
	assert_refused("rules = (\n\n{ name = \"x\"; calls = [\"recv\"]; fault = \"reset\"; },\n"
		       "{ name = \"y\"; calls = [\"recv\"]; fault = \"reset\"; },\n"
		       "{ name = \"x\"; calls = [\"recv\"]; fault = \"reset\"; }\n);",
		       "duplicate rule name 'x' (f.cfg:5), first defined at line 3");
}

static void test_error_unknown_key(void **state)
{
	assert_refused("rules = (\n{ name = \"slow-db\"; calls = [\"recv\"]; fault = \"latency\";\n"
		       "  dealy_ms = 5; }\n);",
		       "unknown key 'dealy_ms' in rule 'slow-db' (f.cfg:3)");
}

static void test_error_missing_required_key(void **state)
{
	assert_refused(RULE("fault = \"reset\";"), "missing key 'calls' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"];"), "missing key 'fault' in rule 'x' (f.cfg:2)");
}

static void test_error_bad_calls(void **state)
{
	assert_refused(RULE("calls = [\"recv\", \"rcv\"]; fault = \"reset\";"),
		       "unknown call 'rcv' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\", \"send\", \"recv\"]; fault = \"reset\";"),
		       "duplicate call 'recv' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = []; fault = \"reset\";"),
		       "key 'calls' is empty in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [1, 2]; fault = \"reset\";"),
		       "key 'calls' must be a list of call names in rule 'x' (f.cfg:2)");
}

static void test_error_unknown_fault(void **state)
{
	assert_refused(RULE("calls = [\"recv\"]; fault = \"lag\";"),
		       "unknown fault 'lag' in rule 'x' (f.cfg:2)");
}

static void test_error_fault_does_not_fit(void **state)
{
	assert_refused("rules = (\n{ name = \"x\"; calls = [\"connect\", \"recv\"];\n\n\n"
		       "  fault = \"slice\"; max_bytes = 10; }\n);",
		       "fault 'slice' does not fit call 'connect' in rule 'x' (f.cfg:5)");
	assert_refused(RULE("calls = [\"clock\"]; fault = \"error\"; errno = \"EINTR\";"),
		       "fault 'error' does not fit call 'clock' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"accept\"]; fault = \"drop\";"),
		       "fault 'drop' does not fit call 'accept' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"dns\", \"connect\"]; fault = \"error\"; errno = \"EAI_AGAIN\";"),
		       "fault 'error' cannot mix call 'dns' with other calls in rule 'x' (f.cfg:2)");
}

static void test_error_key_does_not_apply_to_fault(void **state)
{
	assert_refused(RULE("calls = [\"recv\"]; fault = \"reset\"; delay_ms = 5;"),
		       "key 'delay_ms' does not apply to fault 'reset' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"clock\"]; fault = \"latency\"; scope = \"tls\";"),
		       "key 'scope' does not apply to fault 'latency' in rule 'x' (f.cfg:2)");
}

static void test_error_key_does_not_apply_to_call(void **state)
{
	assert_refused(RULE("calls = [\"clock\"]; peer = \"*:80\"; fault = \"latency\";"),
		       "key 'peer' does not apply to call 'clock' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\", \"dns\"]; proto = \"tcp\"; fault = \"latency\";"),
		       "key 'proto' does not apply to call 'dns' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"connect\"]; host = \"db\"; fault = \"latency\";"),
		       "key 'host' does not apply to call 'connect' in rule 'x' (f.cfg:2)");
}

static void test_error_wrong_type(void **state)
{
	assert_refused("rules = (\n{ name = \"x\"; calls = [\"recv\"]; fault = \"latency\";\n\n\n\n\n"
		       "  delay_ms = \"500\"; }\n);",
		       "key 'delay_ms' must be an integer in rule 'x' (f.cfg:7)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"latency\"; delay_ms = 1.5;"),
		       "key 'delay_ms' must be an integer in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"latency\"; probability = \"high\";"),
		       "key 'probability' must be a number in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"latency\"; enabled = 1;"),
		       "key 'enabled' must be true or false in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = [\"reset\"];"),
		       "key 'fault' must be a string in rule 'x' (f.cfg:2)");
}

static void test_error_out_of_range(void **state)
{
	assert_refused("rules = (\n{ name = \"x\"; calls = [\"recv\"]; fault = \"latency\";\n\n\n\n\n"
		       "  delay_ms = 99999999; }\n);",
		       "delay_ms 99999999 out of range 0..3600000 in rule 'x' (f.cfg:7)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"latency\"; probability = 1.5;"),
		       "probability 1.5 out of range 0..1 in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"latency\"; after = -1;"),
		       "after -1 must be at least 0 in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"slice\"; max_bytes = 0;"),
		       "max_bytes 0 out of range 1..2147483647 in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"bandwidth\"; bytes_per_s = 0;"),
		       "bytes_per_s 0 must be at least 1 in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"clock\"]; fault = \"clock_skew\"; rate = 0;"),
		       "rate 0 out of range, must be above 0 and at most 1000 in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"clock\"]; fault = \"clock_skew\"; offset_s = 4e9;"),
		       "offset_s 4e+09 out of range -3155760000..3155760000 in rule 'x' (f.cfg:2)");
	/* A hundred years either way is allowed. */
	assert_compiles(RULE("calls = [\"clock\"]; fault = \"clock_skew\"; offset_s = -3155760000.0; rate = 1000;"));
	assert_int_equal(table.rules[0].offset_ns, -3155760000LL * 1000000000LL);
}

static void test_error_missing_fault_parameter(void **state)
{
	assert_refused(RULE("calls = [\"recv\"]; fault = \"error\";"),
		       "missing key 'errno' for fault 'error' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"slice\";"),
		       "missing key 'max_bytes' for fault 'slice' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"bandwidth\";"),
		       "missing key 'bytes_per_s' for fault 'bandwidth' in rule 'x' (f.cfg:2)");
}

static void test_error_unknown_names(void **state)
{
	assert_refused(RULE("calls = [\"recv\"]; fault = \"error\"; errno = \"ECONNRESSET\";"),
		       "unknown errno 'ECONNRESSET', expected a name like ECONNRESET in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"dns\"]; fault = \"error\"; errno = \"ECONNRESET\";"),
		       "unknown getaddrinfo error 'ECONNRESET', expected a name like EAI_AGAIN in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"kill\"; signal = \"SIGFOO\";"),
		       "unknown signal 'SIGFOO' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"clock\"]; fault = \"clock_skew\"; scope = \"thread\";"),
		       "unknown scope 'thread', expected process or tls in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; proto = \"sctp\"; fault = \"reset\";"),
		       "unknown proto 'sctp', expected tcp or udp in rule 'x' (f.cfg:2)");
}

static void test_error_bad_endpoint_or_host(void **state)
{
	assert_refused(RULE("calls = [\"recv\"]; peer = \"10.0.0.300:80\"; fault = \"reset\";"),
		       "bad peer '10.0.0.300:80': '10.0.0.300' is not an IP address in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; local = \"*:99999\"; fault = \"reset\";"),
		       "bad local '*:99999': bad port '99999', expected 0..65535 in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"dns\"]; host = \"a*.example.com\"; fault = \"latency\";"),
		       "bad host 'a*.example.com', expected a lower-case name or '*.' and a suffix "
		       "in rule 'x' (f.cfg:2)");
}

/* A probabilistic drop on TCP data calls is loss, said as such. */
static void test_error_probabilistic_tcp_drop(void **state)
{
	assert_refused(RULE("calls = [\"connect\", \"recv\"]; probability = 0.2; fault = \"drop\";"),
		       "fault 'drop' with probability 0.2 on call 'recv' would cut holes in a TCP stream: "
		       "use fault 'loss' for packet loss ('drop' partitions a connection), "
		       "or proto = \"udp\" in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"ssl_write\"]; proto = \"tcp\"; probability = 0.5; fault = \"drop\";"),
		       "fault 'drop' with probability 0.5 on call 'ssl_write' would cut holes in a TCP stream: "
		       "use fault 'loss' for packet loss ('drop' partitions a connection), "
		       "or proto = \"udp\" in rule 'x' (f.cfg:2)");
	assert_compiles(RULE("calls = [\"send\", \"recv\"]; proto = \"udp\"; probability = 0.2; fault = \"drop\";"));
	assert_compiles(RULE("calls = [\"connect\", \"ssl_handshake\"]; probability = 0.2; fault = \"drop\";"));
	assert_compiles(RULE("calls = [\"send\", \"recv\"]; fault = \"drop\"; hang_ms = 10;"));
	assert_compiles(RULE("calls = [\"send\", \"recv\"]; probability = 0.2; fault = \"loss\";"));
	assert_int_equal(table.rules[0].rto_ms, 200);
}

/* An end of stream is a stream's: eof reads, on TCP only. */
static void test_eof_fits(void **state)
{
	assert_compiles(RULE("calls = [\"recv\", \"ssl_read\"]; fault = \"eof\"; count = 1;"));
	assert_int_equal(table.rules[0].fault, CS_FAULT_EOF);
	assert_compiles(RULE("calls = [\"recv\"]; proto = \"tcp\"; fault = \"eof\";"));
	assert_refused(RULE("calls = [\"recv\"]; proto = \"udp\"; fault = \"eof\";"),
		       "fault 'eof' is for proto \"tcp\" only: proto \"udp\" would never match in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"send\"]; fault = \"eof\";"),
		       "fault 'eof' does not fit call 'send' in rule 'x' (f.cfg:2)");
}

/* limit_data: bytes are needed, the end is one of three, TCP only. */
static void test_limit_data_keys(void **state)
{
	assert_compiles(RULE("calls = [\"send\", \"recv\"]; fault = \"limit_data\"; bytes = 1048576;"));
	assert_int_equal(table.rules[0].limit_bytes, 1048576);
	assert_int_equal(table.rules[0].limit_end, CS_LIMIT_CLOSE);
	assert_compiles(RULE("calls = [\"recv\"]; fault = \"limit_data\"; bytes = 1; action = \"hang\";"));
	assert_int_equal(table.rules[0].limit_end, CS_LIMIT_HANG);
	assert_refused(RULE("calls = [\"recv\"]; fault = \"limit_data\";"),
		       "missing key 'bytes' for fault 'limit_data' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"limit_data\"; bytes = 0;"),
		       "bytes 0 out of range 1..1099511627775 in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"limit_data\"; bytes = 9; action = \"drop\";"),
		       "unknown action 'drop', expected close or reset or hang in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"connect\"]; fault = \"limit_data\"; bytes = 9;"),
		       "fault 'limit_data' does not fit call 'connect' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; proto = \"udp\"; fault = \"limit_data\"; bytes = 9;"),
		       "fault 'limit_data' is for proto \"tcp\" only: proto \"udp\" would never match in rule 'x' (f.cfg:2)");
}

/* Datagram faults: UDP only, each on its side, said with the reason. */
static void test_datagram_faults(void **state)
{
	assert_compiles(RULE("calls = [\"send\"]; fault = \"duplicate\"; probability = 0.5;"));
	assert_compiles(RULE("calls = [\"recv\"]; proto = \"udp\"; fault = \"corrupt\";"));
	assert_int_equal(table.rules[0].corrupt_bits, 1);
	assert_refused(RULE("calls = [\"recv\"]; proto = \"tcp\"; fault = \"corrupt\"; bits = 4;"),
		       "fault 'corrupt' is for proto \"udp\" only (TCP's checksums and sequence numbers hide it "
		       "from programs): proto \"tcp\" would never match in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"send\"]; proto = \"tcp\"; fault = \"duplicate\";"),
		       "fault 'duplicate' is for proto \"udp\" only (TCP's checksums and sequence numbers hide it "
		       "from programs): proto \"tcp\" would never match in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"duplicate\";"),
		       "fault 'duplicate' does not fit call 'recv' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"corrupt\"; bits = 0;"),
		       "bits 0 out of range 1..524288 in rule 'x' (f.cfg:2)");
}

/* reorder: sends of UDP datagrams, window 1 by default, refused on TCP
 * with duplicate's reason. */
static void test_reorder_keys(void **state)
{
	assert_compiles(RULE("calls = [\"send\"]; fault = \"reorder\"; probability = 0.2;"));
	assert_int_equal(table.rules[0].fault, CS_FAULT_REORDER);
	assert_int_equal(table.rules[0].reorder_window, 1);
	assert_compiles(RULE("calls = [\"send\"]; proto = \"udp\"; fault = \"reorder\"; window = 1000;"));
	assert_int_equal(table.rules[0].reorder_window, 1000);
	assert_refused(RULE("calls = [\"send\"]; fault = \"reorder\"; window = 0;"),
		       "window 0 out of range 1..1000 in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"send\"]; proto = \"tcp\"; fault = \"reorder\";"),
		       "fault 'reorder' is for proto \"udp\" only (TCP's checksums and sequence numbers hide it "
		       "from programs): proto \"tcp\" would never match in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"reorder\";"),
		       "fault 'reorder' does not fit call 'recv' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"send\"]; fault = \"duplicate\"; window = 2;"),
		       "key 'window' does not apply to fault 'duplicate' in rule 'x' (f.cfg:2)");
}

/* slow_close: the close family, a delay with jitter, TCP only. */
static void test_slow_close_keys(void **state)
{
	assert_compiles(RULE("calls = [\"close\"]; peer = \"*:80\"; fault = \"slow_close\"; delay_ms = 500; jitter_ms = 10;"));
	assert_int_equal(table.rules[0].delay_ms, 500);
	assert_refused(RULE("calls = [\"close\", \"recv\"]; fault = \"slow_close\"; delay_ms = 5;"),
		       "fault 'slow_close' does not fit call 'recv' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"close\"]; fault = \"latency\"; delay_ms = 5;"),
		       "fault 'latency' does not fit call 'close': use fault 'slow_close' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"close\"]; proto = \"udp\"; fault = \"slow_close\";"),
		       "fault 'slow_close' is for proto \"tcp\" only: proto \"udp\" would never match in rule 'x' (f.cfg:2)");
}

static void test_error_schedule_keys(void **state)
{
	char text[1024];
	size_t n;

	assert_refused(RULE("calls = [\"recv\"]; fault = \"reset\"; at = [0];"),
		       "at 0 must be at least 1 (matches count from 1) in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"reset\"; at = [3, 5, 3];"),
		       "duplicate match number 3 in 'at' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"reset\"; at = [\"3\"];"),
		       "key 'at' must be a list of match numbers in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"reset\"; "
			    "at = [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17];"),
		       "key 'at' holds more than 16 match numbers in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"reset\"; process = [\"curl\", \"\"];"),
		       "empty string in 'process' in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"reset\"; process = [1];"),
		       "key 'process' must be a list of strings in rule 'x' (f.cfg:2)");
	n = (size_t)snprintf(text, sizeof(text), "rules = (\n{ name = \"x\"; calls = [\"recv\"]; "
			     "fault = \"reset\"; process = [");
	for (int i = 0; i < 26; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"pattern-%02d\"", i ? ", " : "", i);
	snprintf(text + n, sizeof(text) - n, "]; }\n);\n");
	assert_refused(text, "strings of 'process' are longer than 254 bytes together in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"reset\"; active_ms = 5;"),
		       "key 'active_ms' needs 'period_ms' (active for active_ms of every period_ms) "
		       "in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"reset\"; period_ms = 100; active_ms = 100;"),
		       "active_ms 100 must be above 0 and below period_ms 100 in rule 'x' (f.cfg:2)");
	assert_refused(RULE("calls = [\"recv\"]; fault = \"reset\"; duration_ms = 2592000001L;"),
		       "duration_ms 2592000001 out of range 0..2592000000 in rule 'x' (f.cfg:2)");
	/* Every fault and every family takes them. */
	assert_compiles(RULE("calls = [\"clock\"]; fault = \"clock_skew\"; offset_s = 60; "
			     "process = \"date\"; start_after_ms = 10; period_ms = 100; active_ms = 50;"));
	assert_compiles(RULE("calls = [\"dns\"]; fault = \"error\"; errno = \"EAI_AGAIN\"; at = [2];"));
}

/* ---- chaos-shim-ctl set */

static struct cs_rule *compiled_rule(const char *keys)
{
	char text[512];
	snprintf(text, sizeof(text), RULE("%s"), keys);
	if (compile(text) != 0)
		fail_msg("%s", err);
	return &table.rules[0];
}

static int set(struct cs_rule *r, const char *key, const char *value)
{
	return cs_rule_set_param(r, key, value, err, sizeof(err));
}

#define assert_set_refused(r, key, value, message)                             \
	do {                                                                   \
		struct cs_rule before_ = *(r);                                 \
		assert_int_equal(set(r, key, value), -1);                      \
		assert_string_equal(err, message);                             \
		assert_memory_equal(&before_, r, sizeof(before_));             \
	} while (0)

static void test_set_parameters(void **state)
{
	struct cs_rule *r = compiled_rule("calls = [\"recv\"]; fault = \"latency\"; delay_ms = 200;");
	assert_int_equal(set(r, "delay_ms", "500"), 0);
	assert_int_equal(r->delay_ms, 500);
	assert_int_equal(set(r, "probability", "0.5"), 0);
	assert_true(r->probability == 0.5);
	assert_int_equal(set(r, "probability", "1"), 0);
	assert_true(r->probability == 1.0);
	assert_int_equal(set(r, "enabled", "false"), 0);
	assert_int_equal(r->enabled, 0);
	assert_int_equal(set(r, "peer", "127.0.0.1:80"), 0);
	assert_int_equal(r->has_peer, 1);
	assert_int_equal(r->peer.port_lo, 80);
	assert_int_equal(set(r, "peer", ""), 0);
	assert_int_equal(r->has_peer, 0);
	assert_int_equal(set(r, "proto", "udp"), 0);
	assert_int_equal(r->proto, CS_PROTO_UDP);
	assert_int_equal(set(r, "after", "10"), 0);
	assert_int_equal(set(r, "count", "1"), 0);
	assert_int_equal(r->after, 10);
	assert_int_equal(r->count, 1);
	assert_int_equal(set(r, "calls", "connect, send,recv"), 0);
	assert_int_equal(r->calls, CS_BIT(CS_FAM_CONNECT) | CS_BIT(CS_FAM_SEND) |
					   CS_BIT(CS_FAM_RECV));
	assert_int_equal(cs_table_validate(&table, err, sizeof(err)), 0);
}

static void test_set_refusals(void **state)
{
	struct cs_rule *r = compiled_rule("calls = [\"recv\"]; fault = \"latency\"; peer = \"*:80\";");
	assert_set_refused(r, "name", "y", "key 'name' cannot be changed in rule 'x'");
	assert_set_refused(r, "dealy_ms", "5", "unknown key 'dealy_ms' in rule 'x'");
	assert_set_refused(r, "delay_ms", "99999999",
			   "delay_ms 99999999 out of range 0..3600000 in rule 'x'");
	assert_set_refused(r, "delay_ms", "fast", "key 'delay_ms' must be an integer in rule 'x'");
	assert_set_refused(r, "delay_ms", "1.5", "key 'delay_ms' must be an integer in rule 'x'");
	assert_set_refused(r, "probability", "nan",
			   "key 'probability' must be a number in rule 'x'");
	assert_set_refused(r, "enabled", "maybe", "key 'enabled' must be true or false in rule 'x'");
	assert_set_refused(r, "errno", "EINTR",
			   "key 'errno' does not apply to fault 'latency' in rule 'x'");
	assert_set_refused(r, "fault", "clock_skew",
			   "fault 'clock_skew' does not fit call 'recv' in rule 'x'");
	assert_set_refused(r, "calls", "recv,clock",
			   "key 'peer' does not apply to call 'clock' in rule 'x'");
	assert_set_refused(r, "calls", "", "key 'calls' is empty in rule 'x'");
	assert_set_refused(r, "calls", "recv,recv", "duplicate call 'recv' in rule 'x'");
	assert_set_refused(r, "host", "db", "key 'host' does not apply to call 'recv' in rule 'x'");
	assert_set_refused(r, "peer", "[::1", "bad peer '[::1': missing ']' in '[::1' in rule 'x'");
}

/* Changing the fault drops the old fault's parameters; an error rule is
 * complete again once its errno is set, and its errno must suit the calls. */
static void test_set_fault_and_calls(void **state)
{
	struct cs_rule *r = compiled_rule("calls = [\"recv\"]; fault = \"latency\"; delay_ms = 200;");
	assert_int_equal(set(r, "fault", "error"), 0);
	assert_int_equal(r->delay_ms, 0);
	assert_int_equal(cs_table_validate(&table, err, sizeof(err)), -1);
	assert_string_equal(err, "fault 'error' has no errno in rule 'x'");
	assert_int_equal(set(r, "errno", "EINTR"), 0);
	assert_int_equal(r->error, EINTR);
	assert_int_equal(cs_table_validate(&table, err, sizeof(err)), 0);
	assert_set_refused(r, "calls", "dns", "errno 'EINTR' does not fit call 'dns' in rule 'x'");
	assert_set_refused(r, "calls", "clock", "fault 'error' does not fit call 'clock' in rule 'x'");
	assert_int_equal(set(r, "fault", "error"), 0); /* same fault: errno kept */
	assert_int_equal(r->error, EINTR);
	assert_int_equal(set(r, "fault", "slice"), 0);
	assert_int_equal(set(r, "max_bytes", "7"), 0);
	assert_int_equal(r->error, 0);
	assert_int_equal(set(r, "fault", "clock_skew"), -1);
	assert_int_equal(set(r, "calls", "clock"), -1);

	r = compiled_rule("calls = [\"dns\"]; host = \"*.example.com\"; fault = \"error\"; errno = \"EAI_AGAIN\";");
	assert_int_equal(r->error, EAI_AGAIN);
	assert_int_equal(set(r, "errno", "EAI_FAIL"), 0);
	assert_int_equal(r->error, EAI_FAIL);
	assert_int_equal(set(r, "host", "API.example.com"), 0);
	assert_string_equal(r->host, "api.example.com");
	assert_int_equal(set(r, "host", "*"), 0);
	assert_string_equal(r->host, "");
	assert_int_equal(set(r, "fault", "latency"), 0);
	assert_int_equal(set(r, "jitter_ms", "30"), 0);
	assert_int_equal(set(r, "calls", "connect,dns"), 0);
	assert_int_equal(cs_table_validate(&table, err, sizeof(err)), 0);

	r = compiled_rule("calls = [\"clock\"]; fault = \"clock_skew\";");
	assert_int_equal(set(r, "offset_s", "-86400.5"), 0);
	assert_int_equal(r->offset_ns, -86400500000000LL);
	assert_int_equal(set(r, "rate", "2"), 0);
	assert_int_equal(set(r, "scope", "tls"), 0);
	assert_int_equal(set(r, "monotonic", "true"), 0);
	assert_int_equal(r->monotonic, 1);
	assert_int_equal(set(r, "fault", "kill"), 0);
	assert_int_equal(set(r, "signal", "usr1"), 0);
	assert_int_equal(r->signal, SIGUSR1);
	assert_true(r->rate == 1.0);
	assert_int_equal(cs_table_validate(&table, err, sizeof(err)), 0);
}

/* set applies its pairs in order and checks the rule as a profile's at
 * the end: a drop becomes a loss in either order, never a lossy drop. */
static void test_set_all_or_nothing(void **state)
{
	char *to_loss[] = { "probability=0.3", "fault=loss" };
	char *back[] = { "fault=drop", "probability=1" };
	char *lossy[] = { "fault=drop" };
	char *bad[] = { "delay_ms" };
	struct cs_rule *r = compiled_rule("calls = [\"recv\"]; fault = \"drop\"; hang_ms = 5;");
	struct cs_rule before = *r;

	assert_int_equal(cs_rule_set_params(r, to_loss, 1, err, sizeof(err)), -1);
	assert_string_equal(err, "fault 'drop' with probability 0.3 on call 'recv' would cut holes in a TCP stream: "
				 "use fault 'loss' for packet loss ('drop' partitions a connection), "
				 "or proto = \"udp\" in rule 'x'");
	assert_memory_equal(&before, r, sizeof(before));
	assert_int_equal(cs_rule_set_params(r, to_loss, 2, err, sizeof(err)), 0);
	assert_int_equal(r->fault, CS_FAULT_LOSS);
	assert_int_equal(r->rto_ms, 200);
	assert_int_equal(r->hang_ms, 0);
	before = *r;
	assert_int_equal(cs_rule_set_params(r, lossy, 1, err, sizeof(err)), -1);
	assert_memory_equal(&before, r, sizeof(before));
	assert_int_equal(cs_rule_set_params(r, back, 2, err, sizeof(err)), 0);
	assert_int_equal(r->fault, CS_FAULT_DROP);
	assert_int_equal(cs_rule_set_params(r, bad, 1, err, sizeof(err)), -1);
	assert_string_equal(err, "expected KEY=VALUE, not 'delay_ms' in rule 'x'");
}

/* ---- set and a profile read the same text the same way */

/* A value as a profile spells it; fault and calls give the key a rule. */
struct spelling {
	const char *keys; /* the rule's other keys */
	const char *base; /* the key's value before set, if it needs one */
	const char *key;
	const char *text;
	bool good;
};

#define LATENCY "calls = [\"recv\"]; fault = \"latency\";"
#define SKEW "calls = [\"clock\"]; fault = \"clock_skew\";"

static const struct spelling spellings[] = {
	{ LATENCY, "", "probability", "0.5", true },
	{ LATENCY, "", "probability", "1", true },
	{ LATENCY, "", "probability", "1e-1", true },
	{ LATENCY, "", "probability", ".25", true },
	{ LATENCY, "", "probability", "0x1p-1", false },
	{ LATENCY, "", "probability", "nan", false },
	{ LATENCY, "", "probability", "inf", false },
	{ LATENCY, "", "probability", "1.5", false },
	{ LATENCY, "", "probability", "-0.1", false },
	{ LATENCY, "", "probability", "\"0.5\"", false },
	{ LATENCY, "", "probability", "0.5f", false },
	{ LATENCY, "", "delay_ms", "10", true },
	{ LATENCY, "", "delay_ms", "0x10", true },
	{ LATENCY, "", "delay_ms", "10L", true },
	{ LATENCY, "", "delay_ms", "+7", true },
	{ LATENCY, "", "delay_ms", "1.5", false },
	{ LATENCY, "", "delay_ms", "1e3", false },
	{ LATENCY, "", "delay_ms", "-1", false },
	{ LATENCY, "", "delay_ms", "010x", false },
	{ LATENCY, "", "delay_ms", "99999999999999999999", false },
	{ LATENCY, "", "delay_ms", "true", false },
	{ LATENCY, "", "after", "5000000000", true },
	{ LATENCY, "", "enabled", "true", true },
	{ LATENCY, "", "enabled", "FALSE", true },
	{ LATENCY, "", "enabled", "1", false },
	{ LATENCY, "", "enabled", "yes", false },
	{ LATENCY, "", "peer", "\"127.0.0.1:80\"", true },
	{ LATENCY, "", "peer", "\"[::1]:443\"", true },
	{ LATENCY, "", "peer", "\"10.0.0.300\"", false },
	{ LATENCY, "", "peer", "80", false },
	{ LATENCY, "", "proto", "\"udp\"", true },
	{ LATENCY, "", "proto", "\"sctp\"", false },
	{ "fault = \"latency\";", "calls = [\"recv\"];", "calls", "[\"send\", \"recv\"]", true },
	{ "fault = \"latency\";", "calls = [\"recv\"];", "calls", "(\"send\")", true },
	{ "fault = \"latency\";", "calls = [\"recv\"];", "calls", "\"send\"", true },
	{ "fault = \"latency\";", "calls = [\"recv\"];", "calls", "[\"send\", 1]", false },
	{ "fault = \"latency\";", "calls = [\"recv\"];", "calls", "[]", false },
	{ SKEW, "", "offset_s", "-1.5", true },
	{ SKEW, "", "offset_s", "86400", true },
	{ SKEW, "", "offset_s", "1e9", true },
	{ SKEW, "", "offset_s", "4e9", false },
	{ SKEW, "", "rate", "0", false },
	{ SKEW, "", "rate", "2", true },
	{ SKEW, "", "scope", "\"tls\"", true },
	{ "calls = [\"recv\"]; fault = \"error\";", "errno = \"EINTR\";", "errno",
	  "\"econnreset\"", true },
	{ "calls = [\"recv\"]; fault = \"kill\";", "", "signal", "\"TERM\"", true },
	{ "calls = [\"recv\"]; fault = \"kill\";", "", "signal", "15", false },
};

/* Each value, given to the compiler in a profile and to set on the same
 * rule: both accept it and make the same rule of it, or both refuse it. */
static void test_set_reads_as_profile(void **state)
{
	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		const struct spelling *t = &spellings[i];
		char text[512];
		struct cs_rule by_set, by_profile;
		bool set_ok, profile_ok;

		snprintf(text, sizeof(text), RULE("%s %s"), t->keys, t->base);
		if (compile(text) != 0)
			fail_msg("%s: %s", text, err);
		by_set = table.rules[0];
		set_ok = cs_rule_set_param(&by_set, t->key, t->text, err, sizeof(err)) == 0;

		snprintf(text, sizeof(text), RULE("%s %s = %s;"), t->keys, t->key, t->text);
		profile_ok = compile(text) == 0;
		by_profile = table.rules[0];
		if (set_ok != t->good || profile_ok != t->good)
			fail_msg("%s = %s: set %s, profile %s, expected %s", t->key, t->text,
				 set_ok ? "accepts" : "refuses",
				 profile_ok ? "accepts" : "refuses",
				 t->good ? "both accept" : "both refuse");
		if (t->good) {
			by_profile.line = by_set.line;
			assert_memory_equal(&by_set, &by_profile, sizeof(by_set));
		}
	}
}

/* ---- round trips: what status shows, set and a profile take back */

/* Rules that together give every key a value other than its default. */
static const char round_trip_rules[] =
	"rules = (\n"
	"{ name = \"a\"; enabled = false; calls = [\"connect\", \"send\", \"recv\"]; fault = \"latency\";"
	"  peer = \"10.0.0.0/8:5432-5440\"; local = \"[::1]:80\"; proto = \"tcp\";"
	"  probability = 0.1; after = 3; count = 7; delay_ms = 250; jitter_ms = 20;"
	"  at = [17, 3, 5000000000]; process = [\"curl\", \"*/bin/my app\"]; },\n"
	"{ name = \"b\"; calls = [\"send\"]; fault = \"drop\"; hang_ms = 900; proto = \"udp\";"
	"  start_after_ms = 1000; duration_ms = 60000; period_ms = 30000; active_ms = 5000; },\n"
	"{ name = \"c\"; calls = [\"recv\"]; fault = \"loss\"; rto_ms = 300; probability = 0.2; },\n"
	"{ name = \"d\"; calls = [\"recv\"]; fault = \"error\"; errno = \"ECONNRESET\"; },\n"
	"{ name = \"e\"; calls = [\"dns\"]; host = \"*.example.com\"; fault = \"error\"; errno = \"EAI_AGAIN\"; },\n"
	"{ name = \"f\"; calls = [\"ssl_read\"]; fault = \"slice\"; max_bytes = 5; },\n"
	"{ name = \"g\"; calls = [\"ssl_write\"]; fault = \"bandwidth\"; bytes_per_s = 12345; },\n"
	"{ name = \"h\"; calls = [\"accept\"]; fault = \"kill\"; signal = \"SIGUSR2\"; },\n"
	"{ name = \"i\"; calls = [\"clock\"]; fault = \"clock_skew\"; offset_s = -12.345678901;"
	"  rate = 0.3333333333333333; scope = \"tls\"; monotonic = true; },\n"
	"{ name = \"j\"; calls = [\"recv\"]; fault = \"limit_data\"; bytes = 5000000000; action = \"reset\"; },\n"
	"{ name = \"k\"; calls = [\"recv\"]; fault = \"corrupt\"; bits = 3; },\n"
	"{ name = \"l\"; calls = [\"send\"]; fault = \"reorder\"; window = 4; },\n"
	"{ name = \"m\"; calls = [\"send\", \"ssl_write\"]; fault = \"http_response\"; status = 503;"
	"  headers = [\"Retry-After: 1\", \"X-Why: \\\"busy\\\"\"]; body = \"no\\n\"; keep_alive = true;"
	"  http_method = \"GET\"; http_path = \"/api/[a-z]*\"; },\n"
	"{ name = \"n\"; calls = [\"send\"]; fault = \"http_delay\"; delay_ms = 40; http_path = \"/slow\"; }\n"
	");\n";

/* The rule written back as a profile, alone in its table. */
static void rule_as_profile(const struct cs_rule *r, char *buf, size_t size)
{
	static struct cs_table one;
	FILE *out = fmemopen(buf, size, "w");

	assert_non_null(out);
	memset(&one, 0, sizeof(one));
	one.nrules = 1;
	one.rules[0] = *r;
	assert_int_equal(cs_profile_write(out, &one), 0);
	assert_int_equal(fclose(out), 0);
}

/* A whole table, seed and log included, written and compiled again: a
 * string with quotes, a backslash and a control byte, a number beyond 32
 * bits. */
static void test_profile_write_round_trip(void **state)
{
	static struct cs_table original;
	char text[16384];
	FILE *out;

	assert_compiles(round_trip_rules);
	original = table;
	original.seed = 9007199254740991ull;
	original.has_seed = 1;
	snprintf(original.log_path, sizeof(original.log_path), "/tmp/a \"b\"\\c\t.jsonl");
	out = fmemopen(text, sizeof(text), "w");
	assert_non_null(out);
	assert_int_equal(cs_profile_write(out, &original), 0);
	assert_int_equal(fclose(out), 0);
	if (compile(text) != 0)
		fail_msg("%s", err);
	assert_int_equal(table.seed, original.seed);
	assert_string_equal(table.log_path, original.log_path);
	assert_int_equal(table.nrules, original.nrules);
	for (uint32_t n = 0; n < table.nrules; n++) {
		table.rules[n].line = original.rules[n].line;
		assert_memory_equal(&table.rules[n], &original.rules[n],
				    sizeof(table.rules[n]));
	}
}

static void test_round_trip_every_key(void **state)
{
	static struct cs_table original;
	bool changed[64] = { false };
	struct cs_rule defaults;
	char text[4096], value[CS_PARAM_TEXT_MAX];
	struct cs_param p;
	int rc;

	cs_rule_defaults(&defaults);
	assert_compiles(round_trip_rules);
	original = table;
	assert_true(cs_nkeys <= 64);
	for (uint32_t n = 0; n < original.nrules; n++) {
		const struct cs_rule *r = &original.rules[n];
		struct cs_rule copy = *r;

		/* status's KEY=VALUE, through set, changes nothing... */
		for (size_t i = 0; (rc = cs_rule_param(r, i, &p)) >= 0; i++) {
			if (rc == 0 || p.value.type == CS_VAL_NONE)
				continue;
			cs_param_text(&p, value, sizeof(value));
			if (cs_rule_set_param(&copy, p.key, value, err, sizeof(err)) < 0)
				fail_msg("set %s=%s: %s", p.key, value, err);
		}
		assert_memory_equal(&copy, r, sizeof(copy));

		/* ...and the formatted keys, as a profile, give the same rule. */
		rule_as_profile(r, text, sizeof(text));
		if (compile(text) != 0)
			fail_msg("%s: %s", text, err);
		copy = table.rules[0];
		copy.line = r->line;
		assert_memory_equal(&copy, r, sizeof(copy));

		for (size_t i = 0; i < cs_nkeys; i++) {
			const struct cs_key *k = &cs_keys[i];
			struct cs_rule plain = defaults;
			struct cs_param q;
			char other[CS_PARAM_TEXT_MAX];
			plain.fault = r->fault;
			plain.calls = r->calls;
			memset(&p.value, 0, sizeof(p.value));
			memset(&q.value, 0, sizeof(q.value));
			k->kind->format(k, r, &p);
			k->kind->format(k, &plain, &q);
			cs_param_text(&p, value, sizeof(value));
			cs_param_text(&q, other, sizeof(other));
			if (cs_key_applies(k, r) && strcmp(value, other) != 0)
				changed[i] = true;
		}
	}
	/* Every key was tried with a value other than its default. */
	for (size_t i = 0; i < cs_nkeys; i++)
		if (!changed[i] && strcmp(cs_keys[i].name, "calls") != 0 &&
		    strcmp(cs_keys[i].name, "fault") != 0)
			fail_msg("key '%s' is not covered", cs_keys[i].name);
}

/* ---- the validator, on tables as a hostile segment could hold them */

static void test_fault_fits_calls(void **state)
{
	const uint32_t net = CS_SOCKET_FAMILIES | CS_SSL_FAMILIES;
	const uint32_t close = CS_BIT(CS_FAM_CLOSE);
	assert_true(cs_fault_fits_calls(CS_FAULT_LATENCY, CS_ALL_FAMILIES));
	assert_true(cs_fault_fits_calls(CS_FAULT_KILL, CS_ALL_FAMILIES & ~close));
	/* A close meets slow_close only (latency is refused by the use
	 * check, see test_slow_close_keys). */
	for (int f = 0; f < CS_FAULT_COUNT; f++)
		assert_int_equal(cs_fault_fits_calls(f, close),
				 f == CS_FAULT_SLOW_CLOSE || f == CS_FAULT_LATENCY);
	assert_true(cs_fault_fits_calls(CS_FAULT_RESET, net));
	assert_false(cs_fault_fits_calls(CS_FAULT_RESET, CS_BIT(CS_FAM_DNS)));
	assert_true(cs_fault_fits_calls(CS_FAULT_DROP, net & ~CS_BIT(CS_FAM_ACCEPT)));
	assert_false(cs_fault_fits_calls(CS_FAULT_DROP, CS_BIT(CS_FAM_ACCEPT)));
	assert_true(cs_fault_fits_calls(CS_FAULT_ERROR, net));
	assert_true(cs_fault_fits_calls(CS_FAULT_ERROR, CS_BIT(CS_FAM_DNS)));
	assert_false(cs_fault_fits_calls(CS_FAULT_ERROR, CS_BIT(CS_FAM_CLOCK)));
	assert_false(cs_fault_fits_calls(CS_FAULT_ERROR, CS_BIT(CS_FAM_DNS) | CS_BIT(CS_FAM_RECV)));
	for (int f = CS_FAULT_SLICE; f <= CS_FAULT_BANDWIDTH; f++) {
		assert_true(cs_fault_fits_calls(f, CS_BIT(CS_FAM_SEND) | CS_BIT(CS_FAM_RECV) |
							   CS_BIT(CS_FAM_SSL_READ) |
							   CS_BIT(CS_FAM_SSL_WRITE)));
		assert_false(cs_fault_fits_calls(f, CS_BIT(CS_FAM_CONNECT)));
		assert_false(cs_fault_fits_calls(f, CS_BIT(CS_FAM_SSL_HANDSHAKE)));
	}
	assert_true(cs_fault_fits_calls(CS_FAULT_CLOCK_SKEW, CS_BIT(CS_FAM_CLOCK)));
	assert_false(cs_fault_fits_calls(CS_FAULT_CLOCK_SKEW, CS_BIT(CS_FAM_SEND)));
	assert_false(cs_fault_fits_calls(CS_FAULT_COUNT, CS_BIT(CS_FAM_SEND)));
	assert_false(cs_fault_fits_calls(CS_FAULT_LATENCY, 1u << CS_FAM_COUNT));
}

static void test_armed_mask(void **state)
{
	assert_compiles(contract_example);
	/* The tls-scoped skew arms certificate checks, not the clock. */
	assert_int_equal(cs_table_armed_mask(&table),
			 CS_BIT(CS_FAM_CONNECT) | CS_BIT(CS_FAM_SEND) |
				 CS_BIT(CS_FAM_RECV) | CS_ARM_CERT_CHECK);
	table.rules[4].scope = CS_SCOPE_PROCESS;
	assert_int_equal(cs_table_armed_mask(&table) &
				 (CS_BIT(CS_FAM_CLOCK) | CS_ARM_CERT_CHECK),
			 CS_BIT(CS_FAM_CLOCK));
	table.rules[4].enabled = 0;
	assert_int_equal(cs_table_armed_mask(&table) &
				 (CS_BIT(CS_FAM_CLOCK) | CS_ARM_CERT_CHECK),
			 0);
	table.nrules = 1000; /* never reads past the array */
	assert_int_equal(cs_table_armed_mask(&table) &
				 ~(CS_ALL_FAMILIES | CS_ARM_CERT_CHECK),
			 0);
}

/* Breaks one field of a compiled table and expects this message. */
static void expect_invalid(void (*breaks)(struct cs_table *), const char *message)
{
	assert_compiles(contract_example);
	breaks(&table);
	assert_int_equal(cs_table_validate(&table, err, sizeof(err)), -1);
	assert_string_equal(err, message);
}

static void too_many(struct cs_table *t) { t->nrules = CS_MAX_RULES + 1; }
static void bad_seed_flag(struct cs_table *t) { t->has_seed = 2; }
static void open_log(struct cs_table *t) { memset(t->log_path, 'a', sizeof(t->log_path)); }
static void open_name(struct cs_table *t) { memset(t->rules[1].name, 'a', CS_NAME_MAX); }
static void no_name(struct cs_table *t) { t->rules[1].name[0] = '\0'; }
static void same_names(struct cs_table *t) { strcpy(t->rules[3].name, "slow-db"); }
static void bad_fault(struct cs_table *t) { t->rules[0].fault = CS_FAULT_COUNT; }
static void no_calls(struct cs_table *t) { t->rules[0].calls = 0; }
static void alien_calls(struct cs_table *t) { t->rules[0].calls |= 1u << 20; }
static void misfit(struct cs_table *t) { t->rules[1].calls = CS_BIT(CS_FAM_CLOCK); }
static void nan_probability(struct cs_table *t) { t->rules[0].probability = NAN; }
static void big_probability(struct cs_table *t) { t->rules[0].probability = 1.01; }
static void zero_rate(struct cs_table *t) { t->rules[4].rate = 0; }
static void inf_rate(struct cs_table *t) { t->rules[4].rate = INFINITY; }
static void bad_family(struct cs_table *t) { t->rules[0].peer.family = AF_UNIX; }
static void long_prefix(struct cs_table *t) { t->rules[0].peer.prefix_len = 33; }
static void backwards_ports(struct cs_table *t) { t->rules[0].peer.port_lo = 5433; t->rules[0].peer.port_hi = 5432; }
static void bad_bool(struct cs_table *t) { t->rules[0].enabled = 2; }
static void bad_proto(struct cs_table *t) { t->rules[0].proto = 3; }
static void bad_scope(struct cs_table *t) { t->rules[4].scope = 2; }
static void no_errno(struct cs_table *t) { t->rules[3].error = 0; }
static void eai_for_recv(struct cs_table *t) { t->rules[3].error = EAI_AGAIN; }
static void alien_errno(struct cs_table *t) { t->rules[3].error = 9999; }
static void long_delay(struct cs_table *t) { t->rules[0].delay_ms = 3600001; }
static void far_skew(struct cs_table *t) { t->rules[4].offset_ns = INT64_MAX; }
static void peer_on_clock(struct cs_table *t) { t->rules[4].has_peer = 1; }
static void open_host(struct cs_table *t) { memset(t->rules[0].host, 'a', CS_HOST_MAX); }
static void upper_host(struct cs_table *t) { strcpy(t->rules[0].host, "DB"); }
static void slice_zero(struct cs_table *t)
{
	t->rules[2].fault = CS_FAULT_SLICE;
	t->rules[2].max_bytes = 0;
}
static void bandwidth_zero(struct cs_table *t)
{
	t->rules[2].fault = CS_FAULT_BANDWIDTH;
	t->rules[2].bytes_per_s = 0;
}
static void no_signal(struct cs_table *t)
{
	t->rules[2].fault = CS_FAULT_KILL;
	t->rules[2].signal = 0;
}

static void test_validate_refuses_broken_tables(void **state)
{
	expect_invalid(too_many, "table holds 65 rules, at most 64");
	expect_invalid(bad_seed_flag, "seed flag 2 is neither 0 nor 1");
	expect_invalid(open_log, "log path is not terminated");
	expect_invalid(open_name, "rule name is not terminated in rule 2");
	expect_invalid(no_name, "rule name is empty in rule 2");
	expect_invalid(same_names, "duplicate rule name 'slow-db'");
	expect_invalid(bad_fault, "unknown fault 17 in rule 'slow-db'");
	expect_invalid(no_calls, "key 'calls' is empty in rule 'slow-db'");
	expect_invalid(alien_calls, "unknown calls 0x100000 in rule 'slow-db'");
	expect_invalid(misfit, "fault 'reset' does not fit call 'clock' in rule 'flaky-api'");
	expect_invalid(nan_probability, "probability nan out of range 0..1 in rule 'slow-db'");
	expect_invalid(big_probability, "probability 1.01 out of range 0..1 in rule 'slow-db'");
	expect_invalid(zero_rate, "rate 0 out of range, must be above 0 and at most 1000 "
				  "in rule 'cert-expired'");
	expect_invalid(inf_rate, "rate inf out of range, must be above 0 and at most 1000 "
				 "in rule 'cert-expired'");
	expect_invalid(bad_family, "bad peer pattern in rule 'slow-db'");
	expect_invalid(long_prefix, "bad peer pattern in rule 'slow-db'");
	expect_invalid(backwards_ports, "bad peer pattern in rule 'slow-db'");
	expect_invalid(bad_bool, "enabled holds 2, not true or false in rule 'slow-db'");
	expect_invalid(bad_proto, "unknown proto 3 in rule 'slow-db'");
	expect_invalid(bad_scope, "unknown scope 2 in rule 'cert-expired'");
	expect_invalid(no_errno, "fault 'error' has no errno in rule 'eintr'");
	expect_invalid(eai_for_recv, "errno 'EAI_AGAIN' does not fit call 'recv' in rule 'eintr'");
	expect_invalid(alien_errno, "unknown errno 9999 in rule 'eintr'");
	expect_invalid(long_delay, "delay_ms 3600001 out of range 0..3600000 in rule 'slow-db'");
	expect_invalid(far_skew, "offset_s 9.22337e+09 out of range -3155760000..3155760000 "
				 "in rule 'cert-expired'");
	expect_invalid(peer_on_clock, "key 'peer' does not apply to call 'clock' in rule 'cert-expired'");
	expect_invalid(open_host, "host is not terminated in rule 'slow-db'");
	expect_invalid(upper_host, "bad host 'DB', expected a lower-case name or '*.' and a suffix "
				   "in rule 'slow-db'");
	expect_invalid(slice_zero, "max_bytes 0 out of range 1..2147483647 in rule 'udp-loss'");
	expect_invalid(bandwidth_zero, "bytes_per_s 0 must be at least 1 in rule 'udp-loss'");
	expect_invalid(no_signal, "unknown signal 0 in rule 'udp-loss'");
}

/* Flips random bytes of the table that text compiles to. */
static unsigned validate_random_bytes(const char *text, uint64_t x)
{
	static struct cs_table good;
	unsigned accepted = 0;
	struct cs_param p;
	char value[CS_PARAM_TEXT_MAX];

	assert_compiles(text);
	good = table;
	for (int round = 0; round < 20000; round++) {
		unsigned char *bytes = (unsigned char *)&table;
		table = good;
		for (int flips = 0; flips < 4; flips++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* Mostly the header and the first rules, where it matters. */
			bytes[x % (offsetof(struct cs_table, rules) + 5 * sizeof(struct cs_rule))] =
				(unsigned char)(x >> 32);
		}
		if (cs_table_validate(&table, err, sizeof(err)) != 0)
			continue;
		accepted++;
		assert_true(table.nrules <= CS_MAX_RULES);
		for (uint32_t i = 0; i < table.nrules; i++) {
			const struct cs_rule *r = &table.rules[i];
			assert_true(r->fault < CS_FAULT_COUNT);
			assert_true(cs_fault_fits_calls(r->fault, r->calls));
			assert_true(r->probability >= 0 && r->probability <= 1);
			assert_non_null(memchr(r->name, 0, CS_NAME_MAX));
			/* What the shim and status then do with it stays in bounds
			 * (make test-asan checks the reads). */
			cs_process_matches(r, "/usr/bin/curl", "/usr/bin/curl");
			for (size_t k = 0; cs_rule_param(r, k, &p) >= 0; k++)
				cs_param_text(&p, value, sizeof(value));
		}
	}
	return accepted;
}

/* Arbitrary bytes never crash the validator and, when it accepts them,
 * satisfy what the shim relies on. */
static void test_validate_random_bytes(void **state)
{
	assert_true(validate_random_bytes(contract_example, 0x9e3779b97f4a7c15ull) > 0);
	assert_true(validate_random_bytes(round_trip_rules, 0x2545f4914f6cdd1dull) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contract_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_profiles),
		cmocka_unit_test(test_every_parameter),
		cmocka_unit_test(test_log_path_made_absolute),
		cmocka_unit_test(test_error_syntax),
		cmocka_unit_test(test_error_unreadable_file),
		cmocka_unit_test(test_error_names_file_as_given),
		cmocka_unit_test(test_fifo_refused_without_blocking),
		cmocka_unit_test(test_error_unknown_top_level_key),
		cmocka_unit_test(test_error_top_level_types),
		cmocka_unit_test(test_error_log_too_long),
		cmocka_unit_test(test_error_too_many_rules),
		cmocka_unit_test(test_error_rule_without_name),
		cmocka_unit_test(test_error_bad_name),
		cmocka_unit_test(test_error_duplicate_name),
		cmocka_unit_test(test_error_unknown_key),
		cmocka_unit_test(test_error_missing_required_key),
		cmocka_unit_test(test_error_bad_calls),
		cmocka_unit_test(test_error_unknown_fault),
		cmocka_unit_test(test_error_fault_does_not_fit),
		cmocka_unit_test(test_error_key_does_not_apply_to_fault),
		cmocka_unit_test(test_error_key_does_not_apply_to_call),
		cmocka_unit_test(test_error_wrong_type),
		cmocka_unit_test(test_error_out_of_range),
		cmocka_unit_test(test_error_missing_fault_parameter),
		cmocka_unit_test(test_error_unknown_names),
		cmocka_unit_test(test_error_bad_endpoint_or_host),
		cmocka_unit_test(test_error_probabilistic_tcp_drop),
		cmocka_unit_test(test_eof_fits),
		cmocka_unit_test(test_limit_data_keys),
		cmocka_unit_test(test_datagram_faults),
		cmocka_unit_test(test_slow_close_keys),
		cmocka_unit_test(test_reorder_keys),
		cmocka_unit_test(test_error_schedule_keys),
		cmocka_unit_test(test_set_all_or_nothing),
		cmocka_unit_test(test_set_parameters),
		cmocka_unit_test(test_set_refusals),
		cmocka_unit_test(test_set_fault_and_calls),
		cmocka_unit_test(test_set_reads_as_profile),
		cmocka_unit_test(test_round_trip_every_key),
		cmocka_unit_test(test_profile_write_round_trip),
		cmocka_unit_test(test_fault_fits_calls),
		cmocka_unit_test(test_armed_mask),
		cmocka_unit_test(test_validate_refuses_broken_tables),
		cmocka_unit_test(test_validate_random_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
