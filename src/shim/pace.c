/* Bandwidth caps: each fd and direction is a virtual link that is busy
 * until the bytes charged to it have gone through at the rule's rate. A
 * blocking call waits for what it moved; a non-blocking one is told EAGAIN
 * while its link is busy. Links are updated with compare-and-swap, so
 * threads sharing an fd share its link; fds past the socket cache get
 * theirs from blocks mapped on first use. */
#include "shim/shim.h"

#define NS_PER_S CS_NS_PER_S
#define BLOCK_FDS CS_FD_CACHE

struct link {
	uint32_t epoch;      /* the fd's forget count when the link started */
	uint64_t busy_until; /* CLOCK_MONOTONIC ns; 0: a new link */
};

static struct link first_block[BLOCK_FDS][2];
static void *blocks[CS_FD_BLOCKS];

/* fd's link for a direction, or NULL past the last block (or no memory). */
static struct link *link_of(int fd, int dir)
{
	if (fd < 0)
		return NULL;
	if (fd < BLOCK_FDS)
		return &first_block[fd][dir & 1];
	struct link(*block)[2] = cs_fdblock(
		blocks, CS_FD_BLOCKS, fd, sizeof(struct link[BLOCK_FDS][2]), true);
	if (!block)
		return NULL;
	return &block[fd % BLOCK_FDS][dir & 1];
}

size_t cs_pace_chunk(uint64_t rate)
{
	uint64_t chunk = rate / 10;
	return chunk ? (size_t)chunk : 1;
}

/* The link's busy_until, restarted when the fd is another socket now. */
static uint64_t current(struct link *l, int fd)
{
	uint32_t epoch = cs_fdinfo_epoch(fd);
	uint32_t seen = __atomic_load_n(&l->epoch, __ATOMIC_ACQUIRE);
	if (seen != epoch &&
	    __atomic_compare_exchange_n(&l->epoch, &seen, epoch, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		__atomic_store_n(&l->busy_until, 0, __ATOMIC_RELEASE);
	return __atomic_load_n(&l->busy_until, __ATOMIC_ACQUIRE);
}

uint64_t cs_pace_busy_until(int fd, int dir)
{
	struct link *l = link_of(fd, dir);
	return l ? current(l, fd) : 0;
}

uint64_t cs_pace_charge(int fd, int dir, uint64_t bytes, uint64_t rate)
{
	struct link *l = rate ? link_of(fd, dir) : NULL;
	if (!l)
		return 0;
	uint64_t now = cs_now_ns();
	uint64_t cost = (uint64_t)((double)bytes * (double)NS_PER_S / (double)rate);
	uint64_t busy = current(l, fd), next;
	do {
		uint64_t start = busy;
		if (!start)
			start = now; /* a new link has no credit */
		else if (start + NS_PER_S < now)
			start = now - NS_PER_S; /* idle credit: one second */
		next = start + cost;
	} while (!__atomic_compare_exchange_n(&l->busy_until, &busy, next, true,
					      __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	return next > now ? next - now : 0;
}
