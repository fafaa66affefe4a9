/* Interposers of epoll: epoll_ctl keeps track of each socket's
 * registrations (those made while nothing was armed are read from the
 * kernel at the first wait that finds something held, epoll_learn.c), so that what its hold keeps
 * back is taken out of the kernel's interest and put back when due (the
 * kernel then queues the event itself, edge-triggered and one-shot
 * alike); the waits show what came due and are cut short to wake when the
 * next thing does, then resumed until the program's own timeout. */
#include <sys/epoll.h>

#include "shim/shim.h"

CS_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	if (cs_likely(!cs_ready_armed(CS_SOCKET_FAMILIES)))
		return cs_real_epoll_ctl(epfd, op, fd, ev);
	return cs_hold_epoll_ctl(epfd, op, fd, ev);
}

/* The three waits in one: mask is epoll_pwait's (NULL for epoll_wait). */
static int held_wait(int epfd, struct epoll_event *ev, int max,
		     uint64_t deadline, const sigset_t *mask)
{
	cs_epoll_learn(epfd);
	for (;;) {
		uint64_t now = cs_now_ns();
		/* Events the shim reports itself go at the end of the array,
		 * and the kernel is only asked what else is ready now. */
		int shown = max > 0 ? max : 0;
		uint64_t until = cs_deadline_min(
			deadline, cs_hold_sweep(epfd, now, ev, &shown));
		if (shown) {
			for (int i = shown - 1; i >= 0; i--)
				ev[max - shown + i] = ev[i];
			until = now;
			max -= shown;
		}
		/* Nanoseconds (epoll_pwait2) rather than the rounded-up
		 * milliseconds of epoll_wait, aimed before the kernel's
		 * slack, so a delay ends on time. */
		struct timespec ts;
		bool finite = cs_deadline_to_ts(cs_wait_aim(until, deadline, now),
						now, &ts);
		int rc = 0;
		if (!shown || max) {
			rc = cs_real_epoll_pwait2(epfd, ev, max, finite ? &ts : NULL,
						  mask);
			if (rc < 0 && errno == ENOSYS) /* a kernel before 5.11 */
				rc = cs_real_epoll_pwait(epfd, ev, max,
							 cs_deadline_to_ms(until, now),
							 mask);
		}
		if (shown && rc >= 0) {
			for (int i = 0; i < shown; i++)
				ev[rc + i] = ev[max + i];
			return rc + shown;
		}
		if (rc != 0 || until == deadline || cs_now_ns() >= deadline)
			return rc;
	}
}

static CS_SLOW_PATH int wait_slow(int epfd, struct epoll_event *ev, int max,
				  int timeout)
{
	if (cs_hold_nothing_armed())
		return cs_real_epoll_wait(epfd, ev, max, timeout);
	return held_wait(epfd, ev, max, cs_deadline_of_ms(timeout, cs_now_ns()),
			 NULL);
}

CS_EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	if (cs_likely(!cs_ready_armed(CS_SOCKET_FAMILIES)))
		return cs_real_epoll_wait(epfd, ev, max, timeout);
	return wait_slow(epfd, ev, max, timeout);
}

static CS_SLOW_PATH int pwait_slow(int epfd, struct epoll_event *ev, int max,
				   int timeout, const sigset_t *mask)
{
	if (cs_hold_nothing_armed())
		return cs_real_epoll_pwait(epfd, ev, max, timeout, mask);
	return held_wait(epfd, ev, max, cs_deadline_of_ms(timeout, cs_now_ns()),
			 mask);
}

CS_EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int max,
			  int timeout, const sigset_t *mask)
{
	if (cs_likely(!cs_ready_armed(CS_SOCKET_FAMILIES)))
		return cs_real_epoll_pwait(epfd, ev, max, timeout, mask);
	return pwait_slow(epfd, ev, max, timeout, mask);
}

static CS_SLOW_PATH int pwait2_slow(int epfd, struct epoll_event *ev, int max,
				    const struct timespec *timeout,
				    const sigset_t *mask)
{
	if (cs_hold_nothing_armed())
		return cs_real_epoll_pwait2(epfd, ev, max, timeout, mask);
	return held_wait(epfd, ev, max, cs_deadline_of_ts(timeout, cs_now_ns()),
			 mask);
}

CS_EXPORT int epoll_pwait2(int epfd, struct epoll_event *ev, int max,
			   const struct timespec *timeout, const sigset_t *mask)
{
	if (cs_likely(!cs_ready_armed(CS_SOCKET_FAMILIES)))
		return cs_real_epoll_pwait2(epfd, ev, max, timeout, mask);
	return pwait2_slow(epfd, ev, max, timeout, mask);
}
