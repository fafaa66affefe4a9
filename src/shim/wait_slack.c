/* Ending a readiness wait on time when it was cut short for something
 * held back. The kernel ends a poll, select or epoll timeout up to its
 * slack late (the thread's timer slack, 50 us by default, or a thousandth
 * of the timeout when that is more), which would deliver every delay that
 * much late; the shim aims the wait earlier by that much instead, leaving
 * the program's slack as it is. The thread's slack and nice value are read
 * from the kernel at most once a second. */
#include <sys/prctl.h>
#include <sys/resource.h>

#include "shim/shim.h"

static CS_TLS struct cs_wait_slack thread_slack;
static CS_TLS uint64_t read_at;

static void read_slack(uint64_t now)
{
	int saved = errno;
	int slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);
	bool niced = errno == 0 && nice > 0;
	errno = saved;
	thread_slack = (struct cs_wait_slack){
		.timer_slack_ns = slack > 0 ? (uint64_t)slack : 0,
		.divisor = niced ? 200 : 1000};
	read_at = now ? now : 1;
}

uint64_t cs_wait_aim(uint64_t until, uint64_t deadline, uint64_t now)
{
	if (until == deadline)
		return until;
	if (!read_at || now - read_at >= CS_NS_PER_S)
		read_slack(now);
	return cs_deadline_aim(until, now, &thread_slack);
}
