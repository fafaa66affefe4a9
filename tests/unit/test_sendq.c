/* White-box tests of the send queue (src/shim/sendq.c, included): a
 * stream's bytes go out when due and in order; datagrams go whole, each
 * to its own address, in order, across the ring's end; a full UDP queue
 * loses the datagram while a full unix one says EAGAIN and holds
 * writability back; a refused send is tried again; a close sends what is
 * left. The clock and the real sendmsg are the test's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/shim/sendq.c"

#define MS CS_NS_PER_MS

static uint64_t fake_now;
uint64_t cs_now_ns(void)
{
	return fake_now;
}

/* What went on the wire: each call's bytes and address. */
struct wire_call {
	char bytes[CS_SENDQ_MESSAGE_MAX];
	size_t len;
	socklen_t namelen;
	struct sockaddr_storage name;
};
static struct wire_call wire[CS_SENDQ_MESSAGES + 8];
static int wire_calls;
static bool wire_full; /* the peer takes nothing: EAGAIN */

static ssize_t fake_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	(void)fd;
	(void)flags;
	if (wire_full) {
		errno = EAGAIN;
		return -1;
	}
	struct wire_call *w = &wire[wire_calls++];
	w->len = 0;
	for (size_t i = 0; i < msg->msg_iovlen; i++) {
		memcpy(w->bytes + w->len, msg->msg_iov[i].iov_base,
		       msg->msg_iov[i].iov_len);
		w->len += msg->msg_iov[i].iov_len;
	}
	w->namelen = msg->msg_namelen;
	if (msg->msg_name)
		memcpy(&w->name, msg->msg_name, msg->msg_namelen);
	return (ssize_t)w->len;
}
ssize_t (*cs_real_sendmsg)(int, const struct msghdr *, int) = fake_sendmsg;

/* Room is never waited for here: a close gives up at once. */
static int fake_poll(struct pollfd *fds, unsigned long n, int timeout)
{
	(void)fds;
	(void)n;
	(void)timeout;
	return 0;
}
int (*cs_real_poll)(struct pollfd *, unsigned long, int) = fake_poll;
void cs_send_hold(void)
{
}
/* No slow_close or reorder waits here. */
uint64_t cs_slowclose_round(uint64_t now)
{
	(void)now;
	return 0;
}
uint64_t cs_reorder_round(uint64_t now)
{
	(void)now;
	return 0;
}

/* The holds table, reduced to what the queue uses. */
static struct cs_hold cs_holds[8];
int cs_hold_next(enum cs_hold_set set, int from)
{
	(void)set;
	(void)from;
	return -1;
}
struct cs_hold *cs_hold_slot(int fd, bool map)
{
	(void)map;
	return &cs_holds[fd];
}
struct cs_hold *cs_hold_lock(int fd, bool create)
{
	(void)create;
	return &cs_holds[fd];
}
void cs_hold_unlock(struct cs_hold *h, uint64_t now)
{
	(void)h;
	(void)now;
}

static int setup(void **state)
{
	(void)state;
	fake_now = 1000 * MS;
	wire_calls = 0;
	wire_full = false;
	memset(&cs_holds[5], 0, sizeof cs_holds[5]);
	cs_holds[5].fd = 5;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cs_sendq_close(&cs_holds[5], false);
	return 0;
}

static ssize_t put(const void *buf, size_t len, const struct sockaddr_in *to,
		   uint8_t kind, uint64_t delay_ms)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct cs_io io = {.family = CS_FAM_SEND,
			   .fd = 5,
			   .iov = &iov,
			   .iovcnt = 1,
			   .to = (const struct sockaddr *)to,
			   .tolen = to ? sizeof *to : 0};
	return cs_sendq_put(&cs_holds[5], &io, kind, delay_ms * MS);
}

static struct sockaddr_in port(uint16_t p)
{
	return (struct sockaddr_in){.sin_family = AF_INET,
				    .sin_port = htons(p),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
}

static void test_stream_bytes_go_when_due(void **state)
{
	(void)state;
	struct cs_hold *h = &cs_holds[5];
	assert_int_equal(put("hello", 5, NULL, CS_SENDQ_STREAM, 100), 5);
	fake_now += 10 * MS;
	assert_int_equal(put(" world", 6, NULL, CS_SENDQ_STREAM, 100), 6);
	fake_now = 1050 * MS;
	assert_int_equal(flush_due(h, fake_now), 1100 * MS);
	assert_int_equal(wire_calls, 0);
	fake_now = 1100 * MS;
	assert_int_equal(flush_due(h, fake_now), 1110 * MS);
	assert_int_equal(wire_calls, 1);
	assert_memory_equal(wire[0].bytes, "hello", 5);
	fake_now = 1110 * MS;
	assert_int_equal(flush_due(h, fake_now), 0);
	assert_int_equal(wire_calls, 2);
	assert_memory_equal(wire[1].bytes, " world", 6);
	assert_false(cs_sendq_pending(h));
}

static void test_datagrams_go_whole_to_their_address(void **state)
{
	(void)state;
	struct cs_hold *h = &cs_holds[5];
	struct sockaddr_in a = port(1000), b = port(2000);
	assert_int_equal(put("one", 3, &a, CS_SENDQ_DATAGRAMS, 100), 3);
	assert_int_equal(put("", 0, &b, CS_SENDQ_DATAGRAMS, 100), 0);
	assert_int_equal(put("three", 5, NULL, CS_SENDQ_DATAGRAMS, 100), 5);
	assert_true(cs_sendq_pending(h));
	fake_now = 1100 * MS;
	assert_int_equal(flush_due(h, fake_now), 0);
	assert_int_equal(wire_calls, 3);
	assert_int_equal(wire[0].len, 3);
	assert_memory_equal(wire[0].bytes, "one", 3);
	assert_int_equal(((struct sockaddr_in *)&wire[0].name)->sin_port,
			 htons(1000));
	assert_int_equal(wire[1].len, 0); /* an empty datagram is one too */
	assert_int_equal(((struct sockaddr_in *)&wire[1].name)->sin_port,
			 htons(2000));
	assert_int_equal(wire[2].len, 5);
	assert_int_equal(wire[2].namelen, 0); /* the connected peer */
	assert_false(cs_sendq_pending(h));
}

static void test_datagram_across_the_ring_end_stays_whole(void **state)
{
	(void)state;
	struct cs_hold *h = &cs_holds[5];
	static char big[60000];
	/* Five of these pass the ring's end (256 KiB) once. */
	for (int round = 0; round < 6; round++) {
		memset(big, 'a' + round, sizeof big);
		assert_int_equal(put(big, sizeof big, NULL, CS_SENDQ_RECORDS, 1),
				 (ssize_t)sizeof big);
		fake_now += 1 * MS;
		flush_due(h, fake_now);
		assert_int_equal(wire_calls, round + 1);
		assert_int_equal(wire[round].len, sizeof big);
		assert_memory_equal(wire[round].bytes, big, sizeof big);
	}
}

static void test_full_udp_queue_loses_the_datagram(void **state)
{
	(void)state;
	struct cs_hold *h = &cs_holds[5];
	for (unsigned i = 0; i < CS_SENDQ_MESSAGES; i++)
		assert_int_equal(put("x", 1, NULL, CS_SENDQ_DATAGRAMS, 100), 1);
	assert_int_equal(put("lost", 4, NULL, CS_SENDQ_DATAGRAMS, 100), 4);
	assert_int_equal(h->out_until, 0); /* a UDP socket stays writable */
	fake_now = 1100 * MS;
	flush_due(h, fake_now);
	assert_int_equal(wire_calls, CS_SENDQ_MESSAGES);
	for (int i = 0; i < wire_calls; i++)
		assert_int_equal(wire[i].len, 1);
}

static void test_full_unix_queue_says_eagain(void **state)
{
	(void)state;
	struct cs_hold *h = &cs_holds[5];
	for (unsigned i = 0; i < CS_SENDQ_MESSAGES; i++)
		assert_int_equal(put("x", 1, NULL, CS_SENDQ_RECORDS, 100), 1);
	assert_int_equal(put("wait", 4, NULL, CS_SENDQ_RECORDS, 100), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(h->out_until, 1100 * MS); /* not writable till then */
	fake_now = 1100 * MS;
	flush_due(h, fake_now);
	cs_sendq_hold_writable(h, fake_now);
	assert_int_equal(h->out_until, 0);
	assert_int_equal(put("wait", 4, NULL, CS_SENDQ_RECORDS, 100), 4);
}

static void test_refused_send_is_tried_again(void **state)
{
	(void)state;
	struct cs_hold *h = &cs_holds[5];
	assert_int_equal(put("r", 1, NULL, CS_SENDQ_RECORDS, 10), 1);
	fake_now = 1010 * MS;
	wire_full = true;
	assert_int_equal(flush_due(h, fake_now), fake_now + RETRY_NS);
	assert_true(cs_sendq_pending(h));
	wire_full = false;
	fake_now += RETRY_NS;
	assert_int_equal(flush_due(h, fake_now), 0);
	assert_int_equal(wire_calls, 1);
}

static void test_close_sends_what_is_left(void **state)
{
	(void)state;
	struct cs_hold *h = &cs_holds[5];
	assert_int_equal(put("late", 4, NULL, CS_SENDQ_RECORDS, 1000), 4);
	assert_int_equal(put("r", 1, NULL, CS_SENDQ_RECORDS, 1000), 1);
	cs_sendq_close(h, true);
	assert_int_equal(wire_calls, 2);
	assert_null(h->sendq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stream_bytes_go_when_due,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_datagrams_go_whole_to_their_address, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_datagram_across_the_ring_end_stays_whole, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_full_udp_queue_loses_the_datagram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_unix_queue_says_eagain,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_send_is_tried_again,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_sends_what_is_left,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
