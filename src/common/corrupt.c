/* The bit flips of the UDP `corrupt` fault (cs_corrupt.h). Positions walk
 * the datagram's bits from a seeded start with a seeded stride prime to
 * their count, so they are distinct without remembering any. */
#include "cs_corrupt.h"

#include "cs_decide.h"

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static void flip_at(const struct iovec *iov, int iovcnt, uint64_t bit)
{
	uint64_t byte = bit / 8;
	for (int i = 0; i < iovcnt; i++) {
		if (byte < iov[i].iov_len) {
			((unsigned char *)iov[i].iov_base)[byte] ^=
				(unsigned char)(1u << (bit % 8));
			return;
		}
		byte -= iov[i].iov_len;
	}
}

void cs_flip_bits(const struct iovec *iov, int iovcnt, size_t len,
		  uint32_t bits, uint64_t key)
{
	size_t held = 0;
	for (int i = 0; i < iovcnt; i++)
		held += iov[i].iov_len;
	if (len > held)
		len = held;
	uint64_t total = (uint64_t)len * 8;
	if (!total)
		return;
	if (bits > total)
		bits = (uint32_t)total;
	uint64_t start = cs_hash3(key, 0, 0) % total;
	uint64_t stride = cs_hash3(key, 1, 0) % total;
	while (gcd(stride, total) != 1)
		stride = (stride + 1) % total;
	for (uint64_t i = 0; i < bits; i++)
		flip_at(iov, iovcnt, (start + i * stride) % total);
}
