/* Unit tests of the retransmission backoff behind TCP `loss`: rto_ms, then
 * doubling for each loss in a row, held at TCP's 120 s ceiling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cs_backoff.h"

#define MS 1000000ull

static void test_doubling(void **state)
{
	assert_true(cs_rto_backoff_ns(200, 0) == 200 * MS);
	assert_true(cs_rto_backoff_ns(200, 1) == 400 * MS);
	assert_true(cs_rto_backoff_ns(200, 2) == 800 * MS);
	assert_true(cs_rto_backoff_ns(200, 5) == 6400 * MS);
	assert_true(cs_rto_backoff_ns(1, 10) == 1024 * MS);
}

static void test_ceiling(void **state)
{
	/* 200 ms doubled 9 times is 102.4 s; once more would pass 120 s. */
	assert_true(cs_rto_backoff_ns(200, 9) == 102400 * MS);
	assert_true(cs_rto_backoff_ns(200, 10) == 102400 * MS);
	assert_true(cs_rto_backoff_ns(200, UINT32_MAX) == 102400 * MS);
	assert_true(cs_rto_backoff_ns(60000, 1) == 120000 * MS);
	assert_true(cs_rto_backoff_ns(60000, 2) == 120000 * MS);
	/* A first timeout above the ceiling is the rule's: it stays. */
	assert_true(cs_rto_backoff_ns(3600000, 0) == 3600000 * MS);
	assert_true(cs_rto_backoff_ns(3600000, 3) == 3600000 * MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doubling),
		cmocka_unit_test(test_ceiling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
