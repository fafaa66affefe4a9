/* Unit tests of the wide integer literals of profile text: which ones get
 * the L suffix (too wide for 32 bits, outside strings, comments and
 * names), and that a profile and `set` then read them whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cs_int_literals.h"
#include "cs_profile.h"

static void expect_suffixed(const char *text, const char *want)
{
	char *got = cs_wide_ints_suffixed(text);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_bounds(void **state)
{
	expect_suffixed("a = 2147483647;", "a = 2147483647;");
	expect_suffixed("a = 2147483648;", "a = 2147483648L;");
	expect_suffixed("a = -2147483648;", "a = -2147483648L;");
	expect_suffixed("a = 0002147483647;", "a = 0002147483647;");
	expect_suffixed("a = 0x7fffffff;", "a = 0x7fffffff;");
	expect_suffixed("a = 0x80000000;", "a = 0x80000000L;");
	expect_suffixed("a = 0x00000001ffffffff;", "a = 0x00000001ffffffffL;");
}

static void test_only_bare_integers(void **state)
{
	expect_suffixed("a = 5000000000L; b = 5000000000LL;",
			"a = 5000000000L; b = 5000000000LL;");
	expect_suffixed("a = 5000000000.0; b = 5000000000e3; c = 1.5e10;",
			"a = 5000000000.0; b = 5000000000e3; c = 1.5e10;");
	expect_suffixed("s = \"5000000000 \\\" 6000000000\"; x9999999999 = 1;",
			"s = \"5000000000 \\\" 6000000000\"; x9999999999 = 1;");
	expect_suffixed("# 5000000000\n// 5000000000\n/* 5000000000 */ a = [1, 5000000000];",
			"# 5000000000\n// 5000000000\n/* 5000000000 */ a = [1L, 5000000000L];");
	/* libconfig wants one width in an array: all 64 bits, or none. */
	expect_suffixed("a = [1, 2]; b = [3, 4L]; c = ([5, 6], 7000000000);",
			"a = [1, 2]; b = [3L, 4L]; c = ([5, 6], 7000000000L);");
}

static void test_next_counts_lines(void **state)
{
	unsigned line = 1;
	const char *end, *text = "a = 1;\n/* x\n */ b = \"\n\";\nc = 9999999999;";
	const char *lit = cs_wide_int_next(text, &end, &line);
	assert_non_null(lit);
	assert_int_equal(end - lit, 10);
	assert_int_equal(line, 5);
	assert_null(cs_wide_int_next(end, &end, &line));
}

static void test_profile_and_set_read_them_whole(void **state)
{
	struct cs_table table;
	char err[256];
	static const char text[] =
		"seed = 4503599627370495;\n"
		"rules = ( { name = \"a\"; calls = [\"recv\"]; fault = \"latency\";\n"
		"            after = 5000000000; at = [3, 6000000000]; } );\n";
	assert_int_equal(cs_profile_compile_string(text, "f.cfg", &table, err, sizeof(err)), 0);
	assert_true(table.seed == 4503599627370495ull);
	assert_true(table.rules[0].after == 5000000000ull);
	assert_true(table.rules[0].at[1] == 6000000000ull);
	assert_int_equal(cs_rule_set_param(&table.rules[0], "count", "7000000000", err,
					   sizeof(err)), 0);
	assert_true(table.rules[0].count == 7000000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_only_bare_integers),
		cmocka_unit_test(test_next_counts_lines),
		cmocka_unit_test(test_profile_and_set_read_them_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
