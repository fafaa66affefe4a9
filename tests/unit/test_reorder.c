/* White-box tests of UDP reorder (src/shim/reorder.c, included): a kept
 * datagram goes right after the program's k-th later one, a later one
 * kept itself goes later still, one with too few after it goes when it
 * has waited long enough, a full socket sends its oldest first, a close
 * sends what is kept (or drops it for another socket), and what cannot
 * be kept is not. The clock, the holds and the real sendmsg are the
 * test's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/shim/reorder.c"

#define MS CS_NS_PER_MS
#define FD 5

static uint64_t fake_now;
uint64_t cs_now_ns(void)
{
	return fake_now;
}

/* What went on the wire, a datagram's first byte each. */
static char wire[64];
static int wire_len;
static socklen_t last_namelen;

static ssize_t fake_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	(void)fd;
	(void)flags;
	wire[wire_len++] = ((const char *)msg->msg_iov[0].iov_base)[0];
	last_namelen = msg->msg_namelen;
	return (ssize_t)msg->msg_iov[0].iov_len;
}
ssize_t (*cs_real_sendmsg)(int, const struct msghdr *, int) = fake_sendmsg;

static bool flusher_ready;
bool cs_sendq_flusher_ready(void)
{
	return flusher_ready;
}
bool cs_sendq_kick(void)
{
	return true;
}
void cs_send_hold(void)
{
}

/* The holds, reduced to what reorder uses: fd FD is always active. */
struct cs_hold_block cs_hold_low;
bool cs_hold_active_high(int fd)
{
	(void)fd;
	return false;
}
int cs_hold_next(enum cs_hold_set set, int from)
{
	(void)set;
	return from <= FD ? FD : -1;
}
struct cs_hold *cs_hold_slot(int fd, bool map)
{
	(void)map;
	return &cs_hold_low.hold[fd];
}
struct cs_hold *cs_hold_lock(int fd, bool create)
{
	(void)create;
	cs_hold_low.hold[fd].fd = fd;
	return &cs_hold_low.hold[fd];
}
void cs_hold_unlock(struct cs_hold *h, uint64_t now)
{
	(void)h;
	(void)now;
}
void cs_hold_claim(struct cs_hold *h, uint64_t ino)
{
	(void)h;
	(void)ino;
}

static struct cs_fdinfo connected = {.kind = CS_FD_UDP,
				     .peer = {.family = AF_INET}};

/* The program sends datagram c: kept back until after-many later ones,
 * or (after 0) straight on the wire. Returns what the send returns. */
static ssize_t send_one(char c, uint32_t after)
{
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	struct cs_io io = {.family = CS_FAM_SEND, .fd = FD, .iov = &iov,
			   .iovcnt = 1};
	if (after)
		return cs_reorder_keep(&io, &connected, after);
	fake_sendmsg(FD, &(struct msghdr){.msg_iov = &iov, .msg_iovlen = 1}, 0);
	cs_reorder_passed(FD);
	return 1;
}

static int setup(void **state)
{
	(void)state;
	fake_now = 1000 * MS;
	wire_len = 0;
	flusher_ready = true;
	cs_hold_low.active[0] = 1ull << FD;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cs_reorder_close(&cs_hold_low.hold[FD], false);
	return 0;
}

static void assert_wire(const char *expected)
{
	assert_int_equal(wire_len, strlen(expected));
	assert_memory_equal(wire, expected, wire_len);
}

static void test_kept_goes_after_k_later_ones(void **state)
{
	(void)state;
	assert_int_equal(send_one('a', 2), 1);
	send_one('b', 0);
	assert_wire("b");
	send_one('c', 0);
	assert_wire("bca");
	assert_false(cs_reorder_pending(&cs_hold_low.hold[FD]));
}

static void test_later_kept_one_goes_later_still(void **state)
{
	(void)state;
	send_one('a', 3); /* goes after the third later send */
	send_one('b', 1); /* after the next one */
	send_one('c', 0); /* releases b */
	assert_wire("cb");
	send_one('d', 0); /* the third after a */
	assert_wire("cbda");
}

static void test_lone_datagram_goes_when_it_waited_enough(void **state)
{
	(void)state;
	send_one('a', 5);
	fake_now += CS_REORDER_WAIT_NS - 1;
	assert_int_equal(cs_reorder_round(fake_now), 1000 * MS + CS_REORDER_WAIT_NS);
	assert_wire("");
	fake_now += 1;
	assert_int_equal(cs_reorder_round(fake_now), 0);
	assert_wire("a");
}

static void test_full_socket_sends_its_oldest_first(void **state)
{
	(void)state;
	for (int i = 0; i < CS_REORDER_HELD; i++)
		send_one((char)('A' + i), 100);
	assert_wire("");
	send_one('z', 100);
	assert_wire("A");
	cs_reorder_close(&cs_hold_low.hold[FD], true); /* the rest, in order */
	assert_wire("ABCDEFGHIJKLMNOPz");
	assert_null(cs_hold_low.hold[FD].reorder);
}

static void test_another_socket_drops_what_is_kept(void **state)
{
	(void)state;
	send_one('a', 1);
	cs_reorder_close(&cs_hold_low.hold[FD], false);
	assert_null(cs_hold_low.hold[FD].reorder);
	send_one('b', 0);
	assert_wire("b");
}

static void test_what_cannot_be_kept_goes_now(void **state)
{
	(void)state;
	static char big[CS_SENDQ_MESSAGE_MAX + 1];
	struct iovec iov = {.iov_base = big, .iov_len = sizeof big};
	struct cs_io io = {.family = CS_FAM_SEND, .fd = FD, .iov = &iov,
			   .iovcnt = 1};
	assert_int_equal(cs_reorder_keep(&io, &connected, 1), -2);
	iov.iov_len = 1;
	struct cs_fdinfo unconnected = {.kind = CS_FD_UDP};
	assert_int_equal(cs_reorder_keep(&io, &unconnected, 1), -2);
	struct sockaddr_in to = {.sin_family = AF_INET};
	io.to = (const struct sockaddr *)&to;
	io.tolen = sizeof to;
	assert_int_equal(cs_reorder_keep(&io, &unconnected, 1), 1);
	cs_reorder_close(&cs_hold_low.hold[FD], true);
	assert_int_equal(last_namelen, sizeof to); /* to its address */
	flusher_ready = false; /* a signal handler's send */
	assert_int_equal(cs_reorder_keep(&io, &connected, 1), -2);
	struct cs_fdinfo tcp = {.kind = CS_FD_TCP};
	flusher_ready = true;
	assert_int_equal(cs_reorder_keep(&io, &tcp, 1), -2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kept_goes_after_k_later_ones,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_later_kept_one_goes_later_still, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_lone_datagram_goes_when_it_waited_enough, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_full_socket_sends_its_oldest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_another_socket_drops_what_is_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_what_cannot_be_kept_goes_now, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
