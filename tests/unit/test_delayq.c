/* Unit tests of the delay queue: bytes become visible a delay after they
 * were first seen, batch by batch and in order; reads consume them; a full
 * queue folds new bytes into its newest batch; reads the queue did not see
 * never leave bytes stuck behind them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cs_delayq.h"

#define MS 1000000ull

static void test_bytes_visible_after_delay(void **state)
{
	struct cs_delayq q = {0};
	cs_delayq_observe(&q, 100, 1000 * MS, 50 * MS);
	assert_int_equal(cs_delayq_visible(&q, 1000 * MS), 0);
	assert_int_equal(cs_delayq_next_due(&q), 1050 * MS);
	assert_int_equal(cs_delayq_visible(&q, 1049 * MS), 0);
	assert_int_equal(cs_delayq_visible(&q, 1050 * MS), 100);
	assert_int_equal(cs_delayq_next_due(&q), 0);
	assert_false(cs_delayq_idle(&q));
	cs_delayq_consume(&q, 60);
	assert_int_equal(cs_delayq_visible(&q, 1051 * MS), 40);
	cs_delayq_consume(&q, 40);
	assert_true(cs_delayq_idle(&q));
}

static void test_seen_bytes_are_not_seen_again(void **state)
{
	struct cs_delayq q = {0};
	cs_delayq_observe(&q, 100, 0, 50 * MS);
	cs_delayq_observe(&q, 100, 10 * MS, 50 * MS); /* the same bytes */
	assert_int_equal(q.count, 1);
	cs_delayq_observe(&q, 150, 20 * MS, 50 * MS); /* 50 new ones */
	assert_int_equal(q.count, 2);
	assert_int_equal(cs_delayq_visible(&q, 50 * MS), 100);
	assert_int_equal(cs_delayq_next_due(&q), 70 * MS);
	cs_delayq_consume(&q, 100);
	assert_int_equal(cs_delayq_visible(&q, 69 * MS), 0);
	assert_int_equal(cs_delayq_visible(&q, 70 * MS), 50);
}

static void test_queue_after_reads(void **state)
{
	struct cs_delayq q = {0};
	cs_delayq_observe(&q, 10, 0, MS);
	assert_int_equal(cs_delayq_visible(&q, MS), 10);
	cs_delayq_consume(&q, 10);
	/* The kernel now holds 5 bytes: new ones, after the 10 read. */
	cs_delayq_observe(&q, 5, 2 * MS, MS);
	assert_int_equal(cs_delayq_visible(&q, 2 * MS), 0);
	assert_int_equal(cs_delayq_visible(&q, 3 * MS), 5);
}

static void test_full_queue_joins_newest_batch(void **state)
{
	struct cs_delayq q = {0};
	for (int i = 0; i < CS_DELAYQ_BATCHES + 3; i++)
		cs_delayq_observe(&q, (uint64_t)(i + 1) * 10, (uint64_t)i * MS,
				  100 * MS);
	assert_int_equal(q.count, CS_DELAYQ_BATCHES);
	/* Everything is visible once the newest batch is due, in order. */
	uint64_t last_due = (CS_DELAYQ_BATCHES - 1) * MS + 100 * MS;
	assert_int_equal(cs_delayq_visible(&q, last_due - 1),
			 (CS_DELAYQ_BATCHES - 1) * 10);
	assert_int_equal(cs_delayq_visible(&q, last_due),
			 (CS_DELAYQ_BATCHES + 3) * 10);
}

static void test_read_behind_the_queue(void **state)
{
	struct cs_delayq q = {0};
	cs_delayq_observe(&q, 100, 0, 50 * MS);
	/* The program read 150 bytes by a way the queue did not watch. */
	cs_delayq_consume(&q, 150);
	assert_true(cs_delayq_idle(&q));
	assert_int_equal(cs_delayq_visible(&q, 0), 0);
	cs_delayq_observe(&q, 20, MS, 50 * MS);
	assert_int_equal(cs_delayq_visible(&q, 51 * MS), 20);
}

static void test_due_saturates(void **state)
{
	struct cs_delayq q = {0};
	cs_delayq_observe(&q, 1, UINT64_MAX - 5, 100);
	assert_true(cs_delayq_next_due(&q) == UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_visible_after_delay),
		cmocka_unit_test(test_seen_bytes_are_not_seen_again),
		cmocka_unit_test(test_queue_after_reads),
		cmocka_unit_test(test_full_queue_joins_newest_batch),
		cmocka_unit_test(test_read_behind_the_queue),
		cmocka_unit_test(test_due_saturates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
