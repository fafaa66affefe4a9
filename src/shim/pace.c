/* Bandwidth caps: each fd and direction is a virtual link that is busy
 * until the bytes charged to it have gone through at the rule's rate. A
 * call waits for what it moved, so throughput converges on the cap. */
#include "shim/shim.h"

#define NS_PER_S 1000000000ull

struct link {
	uint32_t epoch;      /* the fd's forget count when the link started */
	uint32_t started;
	uint64_t busy_until; /* CLOCK_MONOTONIC ns */
};

static struct link links[CS_FD_CACHE][2];

static uint64_t now_ns(void)
{
	struct timespec ts;
	cs_real_clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

size_t cs_pace_chunk(uint64_t rate)
{
	uint64_t chunk = rate / 10;
	return chunk ? (size_t)chunk : 1;
}

uint64_t cs_pace_charge(int fd, int dir, uint64_t bytes, uint64_t rate)
{
	if (fd < 0 || fd >= CS_FD_CACHE || !rate)
		return 0;
	struct link *l = &links[fd][dir & 1];
	uint64_t now = now_ns();
	uint32_t epoch = cs_fdinfo_epoch(fd);
	uint64_t start = l->busy_until;
	if (!l->started || l->epoch != epoch) {
		l->epoch = epoch;
		l->started = 1;
		start = now; /* a new link has no credit */
	} else if (start + NS_PER_S < now) {
		start = now - NS_PER_S; /* idle credit: one second at most */
	}
	uint64_t cost = (uint64_t)((double)bytes * (double)NS_PER_S / (double)rate);
	l->busy_until = start + cost;
	return l->busy_until > now ? l->busy_until - now : 0;
}
