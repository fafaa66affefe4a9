/* limit_data: the bytes each connection has moved in each direction, for
 * the rules that end a connection after so many. One word per fd and
 * direction, tied to the fd's close count so that a new socket with the
 * number starts from zero. Lock-free: atomics only. */
#include "shim/shim.h"

#define COUNT_BITS 40

/* epoch << COUNT_BITS | bytes moved, for fd * 2 + direction. */
static uint64_t moved[CS_FD_CACHE * 2];

static uint64_t epoch_of(int fd, const struct cs_fdinfo *sock)
{
	return (uint64_t)(cs_fd_epoch(fd, sock) & 0xffffff) << COUNT_BITS;
}

uint64_t cs_limit_moved(int fd, const struct cs_fdinfo *sock, int dir)
{
	if ((unsigned)fd >= CS_FD_CACHE)
		return 0;
	uint64_t word = __atomic_load_n(&moved[fd * 2 + dir], __ATOMIC_RELAXED);
	uint64_t mask = (1ull << COUNT_BITS) - 1;
	return (word & ~mask) == epoch_of(fd, sock) ? word & mask : 0;
}

void cs_limit_count(int fd, const struct cs_fdinfo *sock, int dir,
		    uint64_t bytes)
{
	if ((unsigned)fd >= CS_FD_CACHE)
		return;
	uint64_t *slot = &moved[fd * 2 + dir];
	uint64_t base = epoch_of(fd, sock), mask = (1ull << COUNT_BITS) - 1;
	uint64_t old = __atomic_load_n(slot, __ATOMIC_RELAXED), next;
	do {
		uint64_t had = (old & ~mask) == base ? old & mask : 0;
		uint64_t sum = had + bytes > mask ? mask : had + bytes;
		next = base | sum;
	} while (!__atomic_compare_exchange_n(slot, &old, next, true,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}
