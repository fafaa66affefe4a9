/* Unit tests of reading an epoll fd's registrations from its /proc fdinfo
 * text: the kernel's lines, the other lines around them, text fed in
 * pieces that cut lines anywhere, and lines that are not what they seem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cs_epoll_fdinfo.h"

/* As Linux prints an epoll fd's fdinfo (fs/eventpoll.c, ep_show_fdinfo). */
static const char text[] =
	"pos:\t0\n"
	"flags:\t02000002\n"
	"mnt_id:\t15\n"
	"ino:\t1057\n"
	"tfd:        5 events:       19 data:                5  pos:0 ino:2a9e sdev:8\n"
	"tfd:    17000 events: 80000019 data:     7f12deadbeef  pos:0 ino:2a9f sdev:8\n"
	"tfd:        9 events: 50000000 data: ffffffffffffffff  pos:0 ino:2aa0 sdev:8\n";

struct found {
	int n;
	struct cs_epoll_reg reg[8];
};

static void collect(const struct cs_epoll_reg *reg, void *arg)
{
	struct found *f = arg;
	if (f->n < 8)
		f->reg[f->n] = *reg;
	f->n++;
}

static void assert_the_three(const struct found *f)
{
	assert_int_equal(f->n, 3);
	assert_int_equal(f->reg[0].fd, 5);
	assert_int_equal(f->reg[0].events, 0x19);
	assert_true(f->reg[0].data == 5);
	assert_int_equal(f->reg[1].fd, 17000);
	assert_int_equal(f->reg[1].events, 0x80000019u);
	assert_true(f->reg[1].data == 0x7f12deadbeefull);
	/* A one-shot that fired keeps only its flags. */
	assert_int_equal(f->reg[2].fd, 9);
	assert_int_equal(f->reg[2].events, 0x50000000u);
	assert_true(f->reg[2].data == UINT64_MAX);
}

static void test_whole_text(void **state)
{
	struct cs_epoll_fdinfo p = {0};
	struct found f = {0};
	cs_epoll_fdinfo_feed(&p, text, strlen(text), collect, &f);
	cs_epoll_fdinfo_feed(&p, text, 0, collect, &f);
	assert_the_three(&f);
}

/* A reader's buffer cuts the text anywhere: every piece size gives the
 * same registrations. */
static void test_any_pieces(void **state)
{
	for (size_t piece = 1; piece <= sizeof text; piece++) {
		struct cs_epoll_fdinfo p = {0};
		struct found f = {0};
		for (size_t at = 0; at < strlen(text); at += piece) {
			size_t n = strlen(text) - at;
			cs_epoll_fdinfo_feed(&p, text + at, n < piece ? n : piece,
					     collect, &f);
		}
		cs_epoll_fdinfo_feed(&p, text, 0, collect, &f);
		assert_the_three(&f);
	}
}

static void test_last_line_without_newline(void **state)
{
	const char last[] = "tfd: 3 events: 1 data: 2";
	struct cs_epoll_fdinfo p = {0};
	struct found f = {0};
	cs_epoll_fdinfo_feed(&p, last, strlen(last), collect, &f);
	assert_int_equal(f.n, 0);
	cs_epoll_fdinfo_feed(&p, last, 0, collect, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.reg[0].fd, 3);
	assert_int_equal(f.reg[0].events, 1);
	assert_true(f.reg[0].data == 2);
}

static void test_not_registrations(void **state)
{
	struct cs_epoll_reg reg;
	const char *bad[] = {
		"pos:\t0",
		"tfd:",
		"tfd: x events: 1 data: 2",
		"tfd: 3 data: 2 events: 1",
		"tfd: 3 events: data: 2",
		"tfd: 3 events: 1 data:",
		"tfd: 99999999999 events: 1 data: 2",
		"tfd: 3 events: 1ffffffff data: 2",
		" tfd 3 events: 1 data: 2",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_false(cs_epoll_fdinfo_line(bad[i], strlen(bad[i]), &reg));
}

/* A line longer than the parser's buffer is skipped whole, and the next
 * one still counts. */
static void test_overlong_line(void **state)
{
	char big[512];
	memset(big, ' ', sizeof big);
	memcpy(big, "tfd: 4 events: 1 data: 1", 24);
	big[sizeof big - 1] = '\n';
	const char next[] = "tfd: 6 events: 1 data: 6\n";
	struct cs_epoll_fdinfo p = {0};
	struct found f = {0};
	cs_epoll_fdinfo_feed(&p, big, sizeof big, collect, &f);
	cs_epoll_fdinfo_feed(&p, next, strlen(next), collect, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.reg[0].fd, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_text),
		cmocka_unit_test(test_any_pieces),
		cmocka_unit_test(test_last_line_without_newline),
		cmocka_unit_test(test_not_registrations),
		cmocka_unit_test(test_overlong_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
