/* Unit tests of the deadline arithmetic behind shortened waits: a poll,
 * ppoll or select timeout turned into a deadline and back, never ending
 * before the deadline, forever kept forever, and sums that saturate; and
 * the aim of a wait that the kernel's slack would end late. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cs_deadline.h"

#define MS CS_NS_PER_MS
#define NOW (5000 * CS_NS_PER_S)

static void test_poll_timeouts(void **state)
{
	assert_true(cs_deadline_of_ms(-1, NOW) == CS_NEVER);
	assert_true(cs_deadline_of_ms(0, NOW) == NOW);
	assert_true(cs_deadline_of_ms(250, NOW) == NOW + 250 * MS);
	assert_int_equal(cs_deadline_to_ms(CS_NEVER, NOW), -1);
	assert_int_equal(cs_deadline_to_ms(NOW - 1, NOW), 0);
	assert_int_equal(cs_deadline_to_ms(NOW + 250 * MS, NOW), 250);
	/* Rounded up: a wait never ends before what it waits for. */
	assert_int_equal(cs_deadline_to_ms(NOW + 1, NOW), 1);
	assert_int_equal(cs_deadline_to_ms(NOW + 250 * MS + 1, NOW), 251);
}

static void test_shortening(void **state)
{
	/* The program waits 1 s; something held is due in 300 ms. */
	uint64_t deadline = cs_deadline_of_ms(1000, NOW);
	uint64_t until = cs_deadline_min(deadline, NOW + 300 * MS);
	assert_int_equal(cs_deadline_to_ms(until, NOW), 300);
	/* Nothing held: the program's own wait. */
	assert_true(cs_deadline_min(deadline, 0) == deadline);
	assert_true(cs_deadline_min(0, deadline) == deadline);
	/* Forever, shortened to the due time. */
	assert_true(cs_deadline_min(CS_NEVER, NOW + MS) == NOW + MS);
	/* Due after the program gives up: the program's timeout. */
	assert_true(cs_deadline_min(deadline, NOW + 5000 * MS) == deadline);
}

static void test_timespec_timeouts(void **state)
{
	struct timespec ts = {.tv_sec = 1, .tv_nsec = 500000000};
	assert_true(cs_deadline_of_ts(NULL, NOW) == CS_NEVER);
	assert_true(cs_deadline_of_ts(&ts, NOW) == NOW + 1500 * MS);
	struct timespec bad = {.tv_sec = -1};
	assert_true(cs_deadline_of_ts(&bad, NOW) == NOW);
	struct timespec huge = {.tv_sec = INT64_MAX};
	assert_true(cs_deadline_of_ts(&huge, NOW) == CS_NEVER);
	struct timespec out;
	assert_false(cs_deadline_to_ts(CS_NEVER, NOW, &out));
	assert_true(cs_deadline_to_ts(NOW + 1500 * MS, NOW, &out));
	assert_int_equal(out.tv_sec, 1);
	assert_int_equal(out.tv_nsec, 500000000);
	assert_true(cs_deadline_to_ts(NOW - MS, NOW, &out));
	assert_int_equal(out.tv_sec, 0);
	assert_int_equal(out.tv_nsec, 0);
}

static void test_saturation(void **state)
{
	assert_true(cs_deadline_add(UINT64_MAX - 1, 5) == CS_NEVER);
	assert_true(cs_deadline_add(NOW, MS) == NOW + MS);
	assert_int_equal(cs_deadline_to_ms(NOW + 0x100000000ull * MS, NOW), -1);
}

/* The slack the kernel gives a timeout of t ns (fs/select.c). */
static uint64_t kernel_slack(uint64_t t, const struct cs_wait_slack *s)
{
	if (!s->timer_slack_ns)
		return 0;
	uint64_t share = s->divisor ? t / s->divisor : 0;
	if (share > CS_WAIT_SLACK_MAX)
		share = CS_WAIT_SLACK_MAX;
	return share > s->timer_slack_ns ? share : s->timer_slack_ns;
}

static void test_aim_against_slack(void **state)
{
	const struct cs_wait_slack usual = {50000, 1000}, niced = {50000, 200},
				   sleep = {50000, 0};
	/* 10 ms: the timer slack (50 us) is more than a thousandth. */
	assert_true(cs_deadline_aim(NOW + 10 * MS, NOW, &usual) ==
		    NOW + 10 * MS - 50000);
	/* 100 ms: a thousandth, 100 us, is more; a positive nice: 500 us. */
	assert_true(cs_deadline_aim(NOW + 100 * MS, NOW, &usual) ==
		    NOW + 100 * MS - 99900);
	uint64_t aim = cs_deadline_aim(NOW + 100 * MS, NOW, &niced);
	assert_true(aim == NOW + 100 * MS - 497512);
	/* A sleep: the timer slack alone, however long it is. */
	assert_true(cs_deadline_aim(NOW + 100 * MS, NOW, &sleep) ==
		    NOW + 100 * MS - 50000);
	/* 1000 s: the slack stops at 100 ms. */
	assert_true(cs_deadline_aim(NOW + 1000000 * MS, NOW, &usual) ==
		    NOW + 1000000 * MS - CS_WAIT_SLACK_MAX);
	/* Whatever is left, the aimed timeout plus its slack ends at the
	 * wake-up, within a microsecond, and never after it. */
	for (uint64_t left = 50001; left < 400 * CS_NS_PER_S; left = left * 3 / 2) {
		for (int i = 0; i < 3; i++) {
			const struct cs_wait_slack *s =
				i == 2 ? &sleep : i ? &niced : &usual;
			uint64_t t = cs_deadline_aim(NOW + left, NOW, s) - NOW;
			uint64_t end = t + kernel_slack(t, s);
			assert_true(end <= left);
			assert_true(left - end <= 1000);
		}
	}
}

static void test_aim_as_is(void **state)
{
	const struct cs_wait_slack usual = {50000, 1000}, none = {0, 1000};
	/* Within the slack (a wait that ended early): the rest as is. */
	assert_true(cs_deadline_aim(NOW + 50000, NOW, &usual) == NOW + 50000);
	assert_true(cs_deadline_aim(NOW + 1, NOW, &usual) == NOW + 1);
	assert_true(cs_deadline_aim(NOW - 1, NOW, &usual) == NOW - 1);
	/* No slack (a real-time thread), or forever. */
	assert_true(cs_deadline_aim(NOW + 10 * MS, NOW, &none) == NOW + 10 * MS);
	assert_true(cs_deadline_aim(CS_NEVER, NOW, &usual) == CS_NEVER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poll_timeouts),
		cmocka_unit_test(test_shortening),
		cmocka_unit_test(test_timespec_timeouts),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_aim_against_slack),
		cmocka_unit_test(test_aim_as_is),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
