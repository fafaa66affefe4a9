/* Unit tests of counter-based decisions: reproducible per seed, distinct
 * across seeds and rules, the right rate, and bounded jitter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cs_decide.h"

#define DRAWS 100000

static unsigned count_injected(uint64_t seed, uint64_t key, double p)
{
	unsigned hits = 0;
	for (uint64_t n = 0; n < DRAWS; n++)
		hits += cs_decide(seed, key, n, p);
	return hits;
}

static void test_same_seed_same_decisions(void **state)
{
	uint64_t key = cs_rule_key("flaky-api");
	for (uint64_t n = 0; n < 10000; n++) {
		assert_int_equal(cs_decide(42, key, n, 0.3), cs_decide(42, key, n, 0.3));
		assert_int_equal(cs_delay_ns(42, key, n, 200, 50),
				 cs_delay_ns(42, key, n, 200, 50));
	}
	assert_int_equal(cs_rule_key("flaky-api"), key);
	/* FNV-1a of "a", a fixed point that must not move between versions. */
	assert_int_equal(cs_rule_key("a"), 0xaf63dc4c8601ec8cull);
}

static void test_different_seeds_and_rules_differ(void **state)
{
	uint64_t key = cs_rule_key("flaky-api");
	unsigned differ_seed = 0, differ_rule = 0;
	for (uint64_t n = 0; n < 10000; n++) {
		differ_seed += cs_decide(1, key, n, 0.5) != cs_decide(2, key, n, 0.5);
		differ_rule += cs_decide(1, key, n, 0.5) !=
			       cs_decide(1, cs_rule_key("slow-db"), n, 0.5);
	}
	/* Independent streams disagree about half the time. */
	assert_in_range(differ_seed, 4500, 5500);
	assert_in_range(differ_rule, 4500, 5500);
	assert_true(cs_hash3(1, 2, 3) != cs_hash3(1, 3, 2));
	assert_true(cs_hash3(0, 0, 0) != cs_hash3(0, 0, 1));
}

static void test_probability_within_bounds(void **state)
{
	static const double ps[] = { 0.01, 0.1, 0.25, 0.5, 0.9 };
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		unsigned hits = count_injected(0x5eed + i, cs_rule_key("r"), ps[i]);
		double rate = (double)hits / DRAWS;
		/* +-1 percentage point: over four standard deviations at p=0.5. */
		if (rate < ps[i] - 0.01 || rate > ps[i] + 0.01)
			fail_msg("p=%g gave %g", ps[i], rate);
	}
}

static void test_probability_extremes(void **state)
{
	uint64_t key = cs_rule_key("r");
	assert_int_equal(count_injected(7, key, 0.0), 0);
	assert_int_equal(count_injected(7, key, 1.0), DRAWS);
	assert_int_equal(count_injected(7, key, -1.0), 0);
	assert_int_equal(count_injected(7, key, 0.0 / 0.0), 0);
	assert_int_equal(count_injected(7, key, 1e-300) , 0);
}

static void test_unit_interval(void **state)
{
	assert_true(cs_unit_interval(0) == 0.0);
	assert_true(cs_unit_interval(UINT64_MAX) < 1.0);
	double sum = 0;
	for (uint64_t n = 0; n < DRAWS; n++)
		sum += cs_unit_interval(cs_hash3(3, 4, n));
	assert_in_range((unsigned)(sum / DRAWS * 1000), 495, 505);
}

static void test_jitter_bounds(void **state)
{
	uint64_t key = cs_rule_key("slow-db");
	uint64_t lo = UINT64_MAX, hi = 0;
	for (uint64_t n = 0; n < DRAWS; n++) {
		uint64_t d = cs_delay_ns(9, key, n, 200, 50);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
		assert_int_equal(d % 1000000, 0);
	}
	assert_int_equal(lo, 150 * 1000000ull);
	assert_int_equal(hi, 250 * 1000000ull);
	/* No jitter: exactly the delay. */
	assert_int_equal(cs_delay_ns(9, key, 5, 200, 0), 200 * 1000000ull);
	assert_int_equal(cs_delay_ns(9, key, 5, 0, 0), 0);
	/* Jitter beyond the delay clamps at zero, never wraps. */
	unsigned zeros = 0;
	for (uint64_t n = 0; n < 10000; n++) {
		uint64_t d = cs_delay_ns(9, key, n, 10, 100);
		assert_true(d <= 110 * 1000000ull);
		zeros += d == 0;
	}
	assert_true(zeros > 4000);
	/* The largest values do not overflow. */
	assert_int_equal(cs_delay_ns(1, key, 1, 3600000, 0), 3600000ull * 1000000ull);
	assert_true(cs_delay_ns(1, key, 1, 3600000, 3600000) <= 7200000ull * 1000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_decisions),
		cmocka_unit_test(test_different_seeds_and_rules_differ),
		cmocka_unit_test(test_probability_within_bounds),
		cmocka_unit_test(test_probability_extremes),
		cmocka_unit_test(test_unit_interval),
		cmocka_unit_test(test_jitter_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
