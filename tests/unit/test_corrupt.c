/* Unit tests of the UDP corrupt fault's bit flips: as many distinct bits
 * as asked, all of them when there are fewer, the same for the same key,
 * across an iovec's parts, and never past the bytes received. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cs_corrupt.h"

static unsigned flipped(const unsigned char *a, const unsigned char *b,
			size_t n)
{
	unsigned count = 0;
	for (size_t i = 0; i < n; i++)
		count += (unsigned)__builtin_popcount(a[i] ^ b[i]);
	return count;
}

static void test_distinct_bits(void **state)
{
	unsigned char buf[100] = { 0 }, zero[100] = { 0 };
	struct iovec iov = { buf, sizeof buf };
	for (uint64_t key = 0; key < 50; key++) {
		memset(buf, 0, sizeof buf);
		cs_flip_bits(&iov, 1, sizeof buf, 7, key);
		assert_int_equal(flipped(buf, zero, sizeof buf), 7);
	}
}

static void test_every_bit_when_fewer(void **state)
{
	unsigned char buf[3] = { 0 };
	struct iovec iov = { buf, sizeof buf };
	cs_flip_bits(&iov, 1, 2, 1000, 42);
	assert_int_equal(buf[0], 0xff);
	assert_int_equal(buf[1], 0xff);
	assert_int_equal(buf[2], 0); /* past the bytes received */
}

static void test_same_key_same_bits(void **state)
{
	unsigned char a[64], b[64], orig[64];
	for (int i = 0; i < 64; i++)
		orig[i] = (unsigned char)(i * 37);
	memcpy(a, orig, sizeof a);
	memcpy(b, orig, sizeof b);
	struct iovec ia = { a, sizeof a }, ib = { b, sizeof b };
	cs_flip_bits(&ia, 1, sizeof a, 3, 9);
	cs_flip_bits(&ib, 1, sizeof b, 3, 9);
	assert_memory_equal(a, b, sizeof a);
	cs_flip_bits(&ia, 1, sizeof a, 3, 9);
	assert_memory_equal(a, orig, sizeof a);
}

static void test_across_parts(void **state)
{
	unsigned char p1[1] = { 0 }, p2[2] = { 0 };
	struct iovec iov[] = { { p1, 1 }, { NULL, 0 }, { p2, 2 } };
	cs_flip_bits(iov, 3, 3, 24, 5);
	assert_int_equal(p1[0], 0xff);
	assert_int_equal(p2[0], 0xff);
	assert_int_equal(p2[1], 0xff);
}

static void test_nothing_received(void **state)
{
	unsigned char buf[4] = { 0 };
	struct iovec iov = { buf, sizeof buf };
	cs_flip_bits(&iov, 1, 0, 5, 1);
	assert_int_equal(buf[0] | buf[1] | buf[2] | buf[3], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distinct_bits),
		cmocka_unit_test(test_every_bit_when_fewer),
		cmocka_unit_test(test_same_key_same_bits),
		cmocka_unit_test(test_across_parts),
		cmocka_unit_test(test_nothing_received),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
