/* Unit tests of the schedule of a rule: `at` match numbers, `process`
 * patterns against a program's paths, time windows and their anchors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cs_profile.h"
#include "cs_schedule.h"

#define MS 1000000LL

static struct cs_table table;
static char err[512];

/* The first rule of a profile with one rule of these keys. */
static struct cs_rule *rule_of(const char *keys)
{
	char text[1024];
	snprintf(text, sizeof(text),
		 "rules = ({ name = \"x\"; calls = [\"recv\"]; fault = \"reset\"; %s });", keys);
	if (cs_profile_compile_string(text, "s.cfg", &table, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return &table.rules[0];
}

static void test_at(void **state)
{
	struct cs_rule *r = rule_of("");
	assert_true(cs_at_includes(r, 1));
	assert_true(cs_at_includes(r, 99));
	r = rule_of("at = [17, 3];");
	assert_int_equal(r->at[0], 3);
	assert_int_equal(r->at[1], 17);
	assert_int_equal(r->at[2], 0);
	assert_false(cs_at_includes(r, 1));
	assert_true(cs_at_includes(r, 3));
	assert_false(cs_at_includes(r, 4));
	assert_true(cs_at_includes(r, 17));
	assert_false(cs_at_includes(r, 0));
	r = rule_of("at = 2;");
	assert_true(cs_at_includes(r, 2));
	assert_false(cs_at_includes(r, 3));
}

/* What the shim injects and bisect works out from a seed: after, at and
 * the seeded probability, together (n counts from 0, at from 1). */
static void test_rule_selects(void **state)
{
	struct cs_rule *r = rule_of("after = 2; at = [2, 3, 5];");
	uint64_t key = cs_rule_key(r->name), hits = 0;

	assert_false(cs_rule_selects(r, 1, key, 0)); /* at 1: not listed */
	assert_false(cs_rule_selects(r, 1, key, 1)); /* at 2: within after */
	assert_true(cs_rule_selects(r, 1, key, 2));
	assert_false(cs_rule_selects(r, 1, key, 3));
	assert_true(cs_rule_selects(r, 1, key, 4));
	r = rule_of("probability = 0.3;");
	for (uint64_t n = 0; n < 10000; n++) {
		bool selects = cs_rule_selects(r, 42, key, n);
		assert_int_equal(selects, cs_decide(42, key, n, 0.3));
		hits += selects;
	}
	assert_in_range(hits, 2700, 3300);
	r = rule_of("probability = 0.0;");
	assert_false(cs_rule_selects(r, 42, key, 0));
}

static void test_glob(void **state)
{
	assert_true(cs_glob_matches("curl", "curl"));
	assert_false(cs_glob_matches("curl", "curly"));
	assert_true(cs_glob_matches("python3*", "python3.11"));
	assert_true(cs_glob_matches("*/bin/myapp", "/usr/local/bin/myapp"));
	assert_false(cs_glob_matches("*/bin/myapp", "/usr/local/bin/myapp2"));
	assert_true(cs_glob_matches("?url", "curl"));
	assert_true(cs_glob_matches("*", ""));
	assert_true(cs_glob_matches("a*b*c", "aXXbYYbc"));
	assert_false(cs_glob_matches("a*b*c", "aXXbYYb"));
	assert_false(cs_glob_matches("", "x"));
}

static void test_process(void **state)
{
	struct cs_rule *r = rule_of("");
	assert_true(cs_process_matches(r, NULL, NULL));
	r = rule_of("process = [\"curl\", \"*/bin/myapp\"];");
	/* A name matches the last component of either path. */
	assert_true(cs_process_matches(r, "/usr/bin/curl", "/usr/bin/curl"));
	assert_true(cs_process_matches(r, "curl", NULL));
	assert_false(cs_process_matches(r, "/usr/bin/wget", "/usr/bin/wget"));
	/* A path pattern matches the whole path. */
	assert_true(cs_process_matches(r, "./myapp", "/opt/x/bin/myapp"));
	assert_false(cs_process_matches(r, "/opt/myapp", "/opt/myapp"));
	assert_false(cs_process_matches(r, NULL, NULL));
	/* python3 runs as /usr/bin/python3 but resolves to python3.N. */
	r = rule_of("process = \"python3\";");
	assert_true(cs_process_matches(r, "/usr/bin/python3", "/usr/bin/python3.11"));
	assert_false(cs_process_matches(r, NULL, "/usr/bin/python3.11"));
	/* A script started by its path is seen by that path. */
	r = rule_of("process = [\"client.py\"];");
	assert_true(cs_process_matches(r, "./client.py", "/usr/bin/python3.11"));
}

static void test_window_start_and_duration(void **state)
{
	struct cs_rule *r = rule_of("start_after_ms = 1000; duration_ms = 500;");
	uint64_t next;
	r->window_anchor_ns = 10000 * MS;
	assert_true(cs_has_window(r));
	assert_false(cs_window_open(r, 10000 * MS, &next));
	assert_int_equal(next, 1000 * MS);
	assert_false(cs_window_open(r, 10999 * MS, &next));
	assert_true(cs_window_open(r, 11000 * MS, &next));
	assert_int_equal(next, 500 * MS);
	assert_true(cs_window_open(r, 11499 * MS, NULL));
	assert_false(cs_window_open(r, 11500 * MS, &next));
	assert_int_equal(next, 0); /* closed for good */
	/* Before the anchor (a clock read behind it) counts as the start. */
	assert_false(cs_window_open(r, 0, NULL));

	r = rule_of("");
	assert_false(cs_has_window(r));
	assert_true(cs_window_open(r, 0, &next));
	assert_int_equal(next, 0);
}

/* Down 5 s every 30 s, from 1 s after the anchor, for 70 s. */
static void test_window_flapping(void **state)
{
	struct cs_rule *r = rule_of("start_after_ms = 1000; period_ms = 30000; "
				    "active_ms = 5000; duration_ms = 70000;");
	uint64_t next;
	r->window_anchor_ns = 0;
	assert_true(cs_window_open(r, 1000 * MS, &next));
	assert_int_equal(next, 5000 * MS);
	assert_false(cs_window_open(r, 6000 * MS, &next));
	assert_int_equal(next, 25000 * MS);
	assert_true(cs_window_open(r, 31000 * MS, NULL));
	assert_true(cs_window_open(r, 61000 * MS, &next));
	assert_int_equal(next, 5000 * MS);
	assert_false(cs_window_open(r, 66000 * MS, &next));
	assert_int_equal(next, 0); /* the next period starts after the end */
	assert_false(cs_window_open(r, 91000 * MS, NULL));
}

/* A load starts every window; later publishes keep the anchor of a rule
 * that stayed enabled and restart a new or re-enabled one. */
static void test_window_rebase(void **state)
{
	static struct cs_table prev, next;
	rule_of("");
	assert_int_equal(cs_profile_compile_string(
				 "rules = ({ name = \"a\"; calls = [\"recv\"]; fault = \"reset\"; },\n"
				 "{ name = \"b\"; calls = [\"recv\"]; fault = \"reset\"; enabled = false; });",
				 "s.cfg", &prev, err, sizeof(err)),
			 0);
	cs_window_rebase(&prev, &prev, true, 100);
	assert_int_equal(prev.rules[0].window_anchor_ns, 100);
	assert_int_equal(prev.rules[1].window_anchor_ns, 100);
	next = prev;
	next.rules[1].enabled = 1;
	cs_window_rebase(&prev, &next, false, 200);
	assert_int_equal(next.rules[0].window_anchor_ns, 100);
	assert_int_equal(next.rules[1].window_anchor_ns, 200);
	cs_window_rebase(&prev, &next, true, 300);
	assert_int_equal(next.rules[0].window_anchor_ns, 300);
	assert_true(cs_window_now_ns() > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_at),
		cmocka_unit_test(test_rule_selects),
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_process),
		cmocka_unit_test(test_window_start_and_duration),
		cmocka_unit_test(test_window_flapping),
		cmocka_unit_test(test_window_rebase),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
