/* Unit tests of the clock-skew arithmetic: offsets either way, rates
 * anchored where they took effect, the edges of the 64-bit nanosecond range,
 * negative results refused, and continuity across a republish. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cs_skew.h"

#define S 1000000000ll
#define NOW (1790000000ll * S) /* late 2026 */

static struct cs_skew skew(int64_t offset_s, double rate, int64_t anchor)
{
	struct cs_skew k = {.offset_ns = offset_s * S, .rate = rate,
			    .anchor_ns = anchor};
	return k;
}

static void test_offset_forward_and_back(void **state)
{
	int64_t out;
	struct cs_skew fwd = skew(86400, 1.0, 0), back = skew(-3600, 1.0, 0);
	assert_int_equal(cs_skew_time(&fwd, NOW, &out), 0);
	assert_true(out == NOW + 86400 * S);
	assert_int_equal(cs_skew_time(&back, NOW, &out), 0);
	assert_true(out == NOW - 3600 * S);
}

static void test_rate_is_anchored(void **state)
{
	int64_t out;
	struct cs_skew twice = skew(0, 2.0, NOW);
	assert_int_equal(cs_skew_time(&twice, NOW, &out), 0);
	assert_true(out == NOW); /* no jump when the rate takes effect */
	assert_int_equal(cs_skew_time(&twice, NOW + 10 * S, &out), 0);
	assert_true(out == NOW + 20 * S);
	struct cs_skew half = skew(0, 0.5, NOW);
	assert_int_equal(cs_skew_time(&half, NOW + 10 * S, &out), 0);
	assert_true(out == NOW + 5 * S);
}

static void test_negative_results_refused(void **state)
{
	int64_t out = 7;
	struct cs_skew before_epoch = skew(-100, 1.0, 0);
	assert_int_equal(cs_skew_time(&before_epoch, 50 * S, &out), -1);
	assert_true(out == 7); /* untouched: the caller keeps the truth */
	/* Twice as fast, read long before its anchor: before the epoch. */
	struct cs_skew fast = skew(0, 2.0, NOW);
	assert_int_equal(cs_skew_time(&fast, S, &out), -1);
}

static void test_overflow_at_the_edges(void **state)
{
	int64_t out;
	struct cs_skew far = skew(100ll * 365 * 86400, 1.0, 0);
	assert_int_equal(cs_skew_time(&far, INT64_MAX - S, &out), -1);
	struct cs_skew fast = skew(0, 1000.0, 0);
	assert_int_equal(cs_skew_time(&fast, NOW, &out), -1);
	struct cs_skew drift = {.drift_ns = INT64_MAX, .offset_ns = 1,
				.rate = 1.0};
	assert_int_equal(cs_skew_time(&drift, 0, &out), -1);
	struct cs_skew none = skew(0, 1.0, 0);
	assert_int_equal(cs_skew_time(&none, INT64_MAX, &out), 0);
	assert_true(out == INT64_MAX);
}

static struct cs_table one_clock(const char *name, double rate,
				 int64_t offset_s, int enabled)
{
	struct cs_table t;
	memset(&t, 0, sizeof t);
	t.nrules = 1;
	strcpy(t.rules[0].name, name);
	t.rules[0].fault = CS_FAULT_CLOCK_SKEW;
	t.rules[0].calls = CS_BIT(CS_FAM_CLOCK);
	t.rules[0].enabled = (uint8_t)enabled;
	t.rules[0].rate = rate;
	t.rules[0].offset_ns = offset_s * S;
	return t;
}

static int64_t read_at(const struct cs_table *t, int64_t now)
{
	int64_t out;
	struct cs_skew k = cs_skew_of(&t->rules[0]);
	assert_int_equal(cs_skew_time(&k, now, &out), 0);
	return out;
}

static void test_rate_change_keeps_time_continuous(void **state)
{
	struct cs_table prev = one_clock("fast", 10.0, 0, 1);
	cs_skew_rebase(NULL, &prev, NOW);
	int64_t later = NOW + 5 * S;
	int64_t before = read_at(&prev, later); /* 50 s have passed for it */
	assert_true(before == NOW + 50 * S);
	struct cs_table next = one_clock("fast", 1.0, 0, 1);
	cs_skew_rebase(&prev, &next, later);
	assert_true(read_at(&next, later) == before);
	assert_true(read_at(&next, later + S) == before + S);
}

static void test_offset_change_is_a_step(void **state)
{
	struct cs_table prev = one_clock("c", 2.0, 0, 1);
	cs_skew_rebase(NULL, &prev, NOW);
	int64_t later = NOW + 4 * S;
	int64_t before = read_at(&prev, later);
	struct cs_table next = one_clock("c", 2.0, -60, 1);
	cs_skew_rebase(&prev, &next, later);
	assert_true(read_at(&next, later) == before - 60 * S);
}

static void test_new_or_reenabled_rule_starts_fresh(void **state)
{
	struct cs_table off = one_clock("c", 3.0, 0, 0);
	off.rules[0].drift_ns = 99 * S;
	struct cs_table on = one_clock("c", 3.0, 0, 1);
	cs_skew_rebase(&off, &on, NOW);
	assert_true(on.rules[0].drift_ns == 0);
	assert_true(on.rules[0].anchor_ns == NOW);
	assert_true(read_at(&on, NOW) == NOW);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offset_forward_and_back),
		cmocka_unit_test(test_rate_is_anchored),
		cmocka_unit_test(test_negative_results_refused),
		cmocka_unit_test(test_overflow_at_the_edges),
		cmocka_unit_test(test_rate_change_keeps_time_continuous),
		cmocka_unit_test(test_offset_change_is_a_step),
		cmocka_unit_test(test_new_or_reenabled_rule_starts_fresh),
	};
	return cmocka_run_group_tests_name("skew", tests, NULL, NULL);
}
