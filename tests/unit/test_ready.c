/* Unit tests of readiness filtering: what held-back data, a connect under
 * way, a partition and connections kept aside hide from poll and epoll,
 * when each wait must wake, and how a registration's events are narrowed
 * (edge-triggered and one-shot flags kept, so putting them back re-arms). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <cmocka.h>

#include "cs_deadline.h"
#include "cs_ready.h"

#define MS CS_NS_PER_MS
#define NOW (1000 * MS)

static void test_nothing_held(void **state)
{
	struct cs_delayq q = {0};
	struct cs_ready_hold r = {.q = &q};
	uint64_t wake = 0;
	assert_int_equal(cs_ready_hidden(&r, NOW, &wake), 0);
	assert_true(wake == 0);
}

static void test_data_held_until_due(void **state)
{
	struct cs_delayq q = {0};
	cs_delayq_observe(&q, 10, NOW, 300 * MS);
	struct cs_ready_hold r = {.q = &q};
	uint64_t wake = 0;
	assert_int_equal(cs_ready_hidden(&r, NOW, &wake), CS_HIDE_IN);
	assert_true(wake == NOW + 300 * MS);
	/* Due: readable, nothing to wake for. */
	wake = 0;
	assert_int_equal(cs_ready_hidden(&r, NOW + 300 * MS, &wake), 0);
	assert_true(wake == 0);
	/* Visible bytes not read yet keep it readable though more wait. */
	cs_delayq_visible(&q, NOW + 300 * MS);
	cs_delayq_observe(&q, 20, NOW + 300 * MS, 300 * MS);
	assert_int_equal(cs_ready_hidden(&r, NOW + 301 * MS, NULL), 0);
	cs_delayq_consume(&q, 10);
	assert_int_equal(cs_ready_hidden(&r, NOW + 301 * MS, NULL), CS_HIDE_IN);
}

static void test_connect_and_partition(void **state)
{
	struct cs_ready_hold connecting = {.out_until = NOW + 500 * MS,
					   .out_all = true};
	uint64_t wake = NOW + 900 * MS; /* an earlier wake is kept lower */
	assert_int_equal(cs_ready_hidden(&connecting, NOW, &wake), CS_HIDE_ALL);
	assert_true(wake == NOW + 500 * MS);
	assert_int_equal(cs_ready_hidden(&connecting, NOW + 500 * MS, NULL), 0);
	/* A partition without an end: hidden, and no wake for it. */
	struct cs_ready_hold partition = {.in_until = CS_NEVER,
					  .out_until = CS_NEVER};
	wake = 0;
	assert_int_equal(cs_ready_hidden(&partition, NOW, &wake),
			 CS_HIDE_IN | CS_HIDE_OUT);
	assert_true(wake == 0);
}

static void test_connection_kept_aside(void **state)
{
	struct cs_ready_hold listener = {.in_until = NOW + 10 * MS,
					 .aside_due = NOW + 10 * MS};
	assert_int_equal(cs_ready_hidden(&listener, NOW, NULL), CS_HIDE_IN);
	listener.in_until = 0;
	assert_int_equal(cs_ready_hidden(&listener, NOW + 10 * MS, NULL),
			 CS_SHOW_IN);
}

static void test_epoll_narrowing(void **state)
{
	uint32_t et = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLONESHOT;
	assert_int_equal(cs_ready_epoll_events(et, 0), et);
	assert_int_equal(cs_ready_epoll_events(et, CS_HIDE_IN),
			 EPOLLOUT | EPOLLET | EPOLLONESHOT);
	assert_int_equal(cs_ready_epoll_events(EPOLLIN | EPOLLRDHUP, CS_HIDE_IN), 0);
	assert_int_equal(cs_ready_epoll_events(et, CS_HIDE_OUT),
			 EPOLLIN | EPOLLET | EPOLLONESHOT);
	assert_int_equal(cs_ready_epoll_events(et, CS_HIDE_ALL), CS_READY_ABSENT);
	assert_int_equal(cs_ready_epoll_events(et, CS_SHOW_IN), et);
}

static void test_poll_narrowing(void **state)
{
	bool skip;
	short both = POLLIN | POLLOUT | POLLPRI;
	assert_int_equal(cs_ready_poll_events(both, CS_HIDE_IN, &skip),
			 POLLOUT | POLLPRI);
	assert_false(skip);
	assert_int_equal(cs_ready_poll_events(both, CS_HIDE_OUT, &skip),
			 POLLIN | POLLPRI);
	cs_ready_poll_events(both, CS_HIDE_ALL, &skip);
	assert_true(skip);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_held),
		cmocka_unit_test(test_data_held_until_due),
		cmocka_unit_test(test_connect_and_partition),
		cmocka_unit_test(test_connection_kept_aside),
		cmocka_unit_test(test_epoll_narrowing),
		cmocka_unit_test(test_poll_narrowing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
