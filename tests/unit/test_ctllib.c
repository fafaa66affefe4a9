/* Unit tests of the controller library's pure parts: one rule's text
 * compiled as a one-rule profile (braces optional, line numbers kept,
 * anything beyond one rule refused), counters carried when rules move, and
 * the edits of remove and enable on a table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctllib/rule_edits.c"
#include "ctllib/segment_access.c"

static void expect_refused(const char *text, int code, const char *message)
{
	struct chaos_shim_error err = {0};
	struct cs_rule rule;

	assert_int_equal(cs_ctl_compile_rule(text, &rule, &err), -1);
	assert_int_equal(err.code, code);
	assert_string_equal(err.message, message);
}

static void test_compile_rule(void **state)
{
	struct chaos_shim_error err = {0};
	struct cs_rule braced, bare;

	(void)state;
	assert_int_equal(cs_ctl_compile_rule(
		"{ name = \"db-down\"; calls = [\"connect\"]; peer = \"*:5432\"; fault = \"reset\"; }",
		&braced, &err), 0);
	assert_int_equal(cs_ctl_compile_rule(
		"  name = \"db-down\"; calls = [\"connect\"]; peer = \"*:5432\"; fault = \"reset\"",
		&bare, &err), 0);
	braced.line = bare.line = 0;
	assert_memory_equal(&braced, &bare, sizeof(braced));
	assert_string_equal(braced.name, "db-down");
	assert_int_equal(braced.peer.port_lo, 5432);
	/* A comment at the end does not swallow the closing parenthesis. */
	assert_int_equal(cs_ctl_compile_rule(
		"{ name = \"x\"; calls = [\"recv\"]; fault = \"reset\"; } # the end",
		&bare, &err), 0);
}

static void test_compile_rule_refusals(void **state)
{
	(void)state;
	expect_refused("{ name = \"slow\"; calls = [\"connect\"];\n fault = \"latency\"; dealy_ms = 5; }",
		       CHAOS_SHIM_E_PROFILE, "unknown key 'dealy_ms' in rule 'slow' (add:2)");
	expect_refused("{ name = \"a\"; calls = [\"recv\"]; fault = \"reset\"; },"
		       "{ name = \"b\"; calls = [\"recv\"]; fault = \"reset\"; }",
		       CHAOS_SHIM_E_PROFILE,
		       "expected one rule in profile syntax, such as "
		       "'{ name = \"db-down\"; calls = [\"connect\"]; fault = \"reset\"; }'");
	/* Closing the list early to slip in top-level keys. */
	expect_refused("{ name = \"a\"; calls = [\"recv\"]; fault = \"reset\"; } ); seed = 4; x = ( {",
		       CHAOS_SHIM_E_PROFILE, "syntax error (add:2)");
	expect_refused("{ name = \"a\"; calls = [\"recv\"]; fault = \"reset\"; } ); seed = 4; rules2 = ();",
		       CHAOS_SHIM_E_PROFILE, "syntax error (add:2)");
	expect_refused("", CHAOS_SHIM_E_PROFILE, "rule 1 has no name (add:1)");
}

static void test_carry_counters(void **state)
{
	struct cs_seg_handle handle;
	char reason[256];
	int origin[] = {2, -1, 0};

	(void)state;
	assert_int_equal(cs_segment_anonymous(&handle, reason, sizeof(reason)), 0);
	for (int i = 0; i < 4; i++) {
		atomic_store(&handle.seg->counters[i].matched, 10u * (unsigned)(i + 1));
		atomic_store(&handle.seg->counters[i].injected, (unsigned)i + 1);
	}
	cs_segment_carry_counters(handle.seg, origin, 3);
	assert_int_equal(atomic_load(&handle.seg->counters[0].matched), 30);
	assert_int_equal(atomic_load(&handle.seg->counters[0].injected), 3);
	assert_int_equal(atomic_load(&handle.seg->counters[1].matched), 0);
	assert_int_equal(atomic_load(&handle.seg->counters[1].injected), 0);
	assert_int_equal(atomic_load(&handle.seg->counters[2].matched), 10);
	assert_int_equal(atomic_load(&handle.seg->counters[3].matched), 0);
	cs_segment_close(&handle);
}

static void load_table(struct cs_table *table)
{
	char reason[256];

	assert_int_equal(cs_profile_compile_string(
		"rules = ( { name = \"a\"; calls = [\"recv\"]; fault = \"reset\"; },\n"
		"          { name = \"b\"; calls = [\"recv\"]; fault = \"reset\"; enabled = false; },\n"
		"          { name = \"c\"; calls = [\"recv\"]; fault = \"reset\"; } );",
		"t.cfg", table, reason, sizeof(reason)), 0);
}

static void test_remove_and_toggle_edits(void **state)
{
	static struct cs_table table;
	struct chaos_shim_error err = {0};
	const char *both[] = {"a", "c"}, *unknown[] = {"a", "zz"};
	struct selection remove_both = {both, 2, false},
			 remove_unknown = {unknown, 2, false}, all_on = {NULL, 0, true};

	(void)state;
	load_table(&table);
	assert_int_equal(remove_edit(&table, "seg", &remove_unknown, &err), -1);
	assert_int_equal(err.code, CHAOS_SHIM_E_NO_RULE);
	assert_string_equal(err.message, "no rule 'zz' in segment 'seg'");
	assert_int_equal(table.nrules, 3);
	assert_int_equal(toggle_edit(&table, "seg", &all_on, &err), 0);
	assert_true(table.rules[1].enabled);
	assert_int_equal(remove_edit(&table, "seg", &remove_both, &err), 0);
	assert_int_equal(table.nrules, 1);
	assert_string_equal(table.rules[0].name, "b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_rule),
		cmocka_unit_test(test_compile_rule_refusals),
		cmocka_unit_test(test_carry_counters),
		cmocka_unit_test(test_remove_and_toggle_edits),
	};

	return cmocka_run_group_tests_name("ctllib", tests, NULL, NULL);
}
