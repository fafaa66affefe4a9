/* Unit tests of the deadline arithmetic behind shortened waits: a poll,
 * ppoll or select timeout turned into a deadline and back, never ending
 * before the deadline, forever kept forever, and sums that saturate. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poll_timeouts),
		cmocka_unit_test(test_shortening),
		cmocka_unit_test(test_timespec_timeouts),
		cmocka_unit_test(test_saturation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
