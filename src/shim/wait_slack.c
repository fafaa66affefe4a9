/* Ending the shim's own waits on time. The kernel ends a timeout up to
 * its slack late: a sleep by the thread's timer slack (50 us by default),
 * a poll, select or epoll timeout by that or a thousandth of the timeout
 * when that is more. Every delay would arrive that much late; the shim
 * aims its waits earlier by that much instead, leaving the program's
 * slack as it is. The thread's slack and nice value are read from the
 * kernel at most once a second. */
#include <sys/prctl.h>
#include <sys/resource.h>

#include "shim/shim.h"

static CS_TLS struct cs_wait_slack thread_slack;
static CS_TLS uint64_t read_at;

static const struct cs_wait_slack *slack_of_thread(uint64_t now)
{
	if (read_at && now - read_at < CS_NS_PER_S)
		return &thread_slack;
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
	return &thread_slack;
}

uint64_t cs_wait_aim(uint64_t until, uint64_t deadline, uint64_t now)
{
	if (until == deadline)
		return until;
	return cs_deadline_aim(until, now, slack_of_thread(now));
}

uint64_t cs_sleep_aim(uint64_t end, uint64_t now)
{
	struct cs_wait_slack sleep = {slack_of_thread(now)->timer_slack_ns, 0};
	return cs_deadline_aim(end, now, &sleep);
}
