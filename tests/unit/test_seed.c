/* Unit tests of the seed parser and chooser that the CLI and the shim share:
 * the text both accept, the order of precedence, and 53-bit random seeds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cs_seed.h"

static void test_parse_accepts_decimal(void **state)
{
	uint64_t seed = 7;
	assert_int_equal(cs_seed_parse("0", &seed), 0);
	assert_true(seed == 0);
	assert_int_equal(cs_seed_parse("42", &seed), 0);
	assert_true(seed == 42);
	assert_int_equal(cs_seed_parse("18446744073709551615", &seed), 0);
	assert_true(seed == UINT64_MAX);
}

static void test_parse_refuses_the_rest(void **state)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "0x10", "1e3", "12a",
		"18446744073709551616", "99999999999999999999999", NULL};
	for (int i = 0; bad[i]; i++) {
		uint64_t seed = 7;
		assert_int_equal(cs_seed_parse(bad[i], &seed), -1);
		assert_true(seed == 7);
	}
}

static void test_choose_precedence(void **state)
{
	struct cs_table t;
	char err[128];
	memset(&t, 0, sizeof t);
	t.seed = 5;
	t.has_seed = 1;
	setenv("CHAOS_SHIM_SEED", "9", 1);
	assert_int_equal(cs_seed_choose(&t, "3", "--seed", err, sizeof err), 0);
	assert_true(t.seed == 3 && t.has_seed);
	assert_int_equal(cs_seed_choose(&t, NULL, NULL, err, sizeof err), 0);
	assert_true(t.seed == 9 && t.has_seed);
	unsetenv("CHAOS_SHIM_SEED");
	t.seed = 5;
	assert_int_equal(cs_seed_choose(&t, NULL, NULL, err, sizeof err), 0);
	assert_true(t.seed == 5); /* the profile's own */
}

static void test_choose_reports_bad_text(void **state)
{
	struct cs_table t;
	char err[128];
	memset(&t, 0, sizeof t);
	setenv("CHAOS_SHIM_SEED", "12x", 1);
	assert_int_equal(cs_seed_choose(&t, NULL, NULL, err, sizeof err), -1);
	assert_string_equal(err, "bad seed '12x' in CHAOS_SHIM_SEED: expected a decimal integer");
	unsetenv("CHAOS_SHIM_SEED");
	assert_int_equal(cs_seed_choose(&t, "-3", "--seed", err, sizeof err), -1);
	assert_string_equal(err, "bad seed '-3' in --seed: expected a decimal integer");
}

static void test_random_seeds_keep_53_bits(void **state)
{
	uint64_t seen = 0;
	unsetenv("CHAOS_SHIM_SEED");
	for (int i = 0; i < 64; i++) {
		struct cs_table t;
		char err[128];
		memset(&t, 0, sizeof t);
		assert_int_equal(cs_seed_choose(&t, NULL, NULL, err, sizeof err), 0);
		assert_false(t.has_seed);
		assert_true((t.seed & ~CS_SEED_RANDOM_MASK) == 0);
		seen |= t.seed;
	}
	assert_true(seen >> 40); /* random, not zero */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_accepts_decimal),
		cmocka_unit_test(test_parse_refuses_the_rest),
		cmocka_unit_test(test_choose_precedence),
		cmocka_unit_test(test_choose_reports_bad_text),
		cmocka_unit_test(test_random_seeds_keep_53_bits),
	};
	return cmocka_run_group_tests_name("seed", tests, NULL, NULL);
}
