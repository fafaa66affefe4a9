/* Deadline arithmetic (cs_deadline.h): pure, saturating at CS_NEVER. */
#include <stddef.h>

#include "cs_deadline.h"

uint64_t cs_deadline_add(uint64_t a, uint64_t b)
{
	return a + b < a ? CS_NEVER : a + b;
}

uint64_t cs_deadline_min(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

uint64_t cs_deadline_of_ms(int timeout_ms, uint64_t now)
{
	if (timeout_ms < 0)
		return CS_NEVER;
	return cs_deadline_add(now, (uint64_t)timeout_ms * CS_NS_PER_MS);
}

uint64_t cs_deadline_of_ts(const struct timespec *timeout, uint64_t now)
{
	if (!timeout)
		return CS_NEVER;
	if (timeout->tv_sec < 0 || timeout->tv_nsec < 0)
		return now;
	if ((uint64_t)timeout->tv_sec >= CS_NEVER / CS_NS_PER_S)
		return CS_NEVER;
	return cs_deadline_add(now, (uint64_t)timeout->tv_sec * CS_NS_PER_S +
					    (uint64_t)timeout->tv_nsec);
}

int cs_deadline_to_ms(uint64_t deadline, uint64_t now)
{
	if (deadline == CS_NEVER)
		return -1;
	if (deadline <= now)
		return 0;
	uint64_t ms = (deadline - now + CS_NS_PER_MS - 1) / CS_NS_PER_MS;
	return ms > 0x7fffffff ? -1 : (int)ms;
}

bool cs_deadline_to_ts(uint64_t deadline, uint64_t now, struct timespec *out)
{
	if (deadline == CS_NEVER)
		return false;
	uint64_t left = deadline > now ? deadline - now : 0;
	out->tv_sec = (time_t)(left / CS_NS_PER_S);
	out->tv_nsec = (long)(left % CS_NS_PER_S);
	return true;
}

uint64_t cs_deadline_aim(uint64_t wake, uint64_t now,
			 const struct cs_wait_slack *slack)
{
	uint64_t left = wake > now ? wake - now : 0;
	if (wake == CS_NEVER || !slack->timer_slack_ns ||
	    left <= slack->timer_slack_ns)
		return wake;
	/* The longest timeout t whose t plus its slack fits in what is
	 * left: t + timer slack <= left, and t + min(t / divisor, max)
	 * <= left. */
	uint64_t by_share = left;
	if (slack->divisor)
		by_share = left - left / (slack->divisor + 1ull);
	if (left > CS_WAIT_SLACK_MAX && left - CS_WAIT_SLACK_MAX > by_share)
		by_share = left - CS_WAIT_SLACK_MAX;
	uint64_t t = left - slack->timer_slack_ns;
	return now + (t < by_share ? t : by_share);
}
