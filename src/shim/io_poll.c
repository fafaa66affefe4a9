/* Interposers of poll, ppoll, select and pselect: what a socket's hold
 * keeps back (data not due yet, a connect under way, a partition) is not
 * reported, and the wait is cut short to wake when it becomes due, then
 * resumed until the program's own timeout. The program's arrays are
 * narrowed in place for the real call and given back as they were. */
#include <poll.h>
#include <sys/resource.h>
#include <string.h>
#include <sys/select.h>

#include "shim/shim.h"

/* How many held fds one call can keep back; more are reported as is. */
#define HIDE_MAX 64

struct narrowed {
	unsigned long i;
	int fd;
	short events;
	bool show_in; /* readable by the shim's word */
};

/* What fd hides at now (0 when it holds nothing), lowering *wake. */
static uint32_t hidden_fd(int fd, uint64_t now, uint64_t *wake)
{
	struct cs_hold *h = cs_hold_lock(fd, false);
	if (!h)
		return 0;
	uint32_t hidden = cs_hold_hidden(h, now, wake);
	cs_hold_unlock(h, now);
	return hidden;
}

static int narrow_pollfds(struct pollfd *fds, unsigned long n, uint64_t now,
			  struct narrowed *saved, uint64_t *wake)
{
	int k = 0;
	for (unsigned long i = 0; i < n && k < HIDE_MAX; i++) {
		uint32_t hidden = hidden_fd(fds[i].fd, now, wake);
		if (!hidden)
			continue;
		saved[k++] = (struct narrowed){i, fds[i].fd, fds[i].events,
					       (hidden & CS_SHOW_IN) &&
						       (fds[i].events & POLLIN)};
		if (saved[k - 1].show_in)
			*wake = now;
		bool skip;
		fds[i].events = cs_ready_poll_events(fds[i].events, hidden, &skip);
		if (skip)
			fds[i].fd = -1; /* the kernel skips it, revents 0 */
	}
	return k;
}

static int held_poll(struct pollfd *fds, unsigned long n, uint64_t deadline,
		     const sigset_t *mask)
{
	for (;;) {
		uint64_t now = cs_now_ns(), wake = 0;
		struct narrowed saved[HIDE_MAX];
		int k = narrow_pollfds(fds, n, now, saved, &wake);
		uint64_t until = cs_deadline_min(deadline, wake);
		/* ppoll's nanoseconds, not poll's rounded-up milliseconds,
		 * aimed before the kernel's slack, so a delay ends on time. */
		struct timespec ts;
		bool finite = cs_deadline_to_ts(cs_wait_aim(until, deadline, now),
						now, &ts);
		int rc = cs_real_ppoll(fds, n, finite ? &ts : NULL, mask);
		for (int j = 0; j < k; j++) {
			struct pollfd *p = &fds[saved[j].i];
			p->fd = saved[j].fd;
			p->events = saved[j].events;
			if (saved[j].show_in && rc >= 0) {
				rc += !p->revents;
				p->revents |= POLLIN;
			}
		}
		if (rc != 0 || until == deadline || cs_now_ns() >= deadline)
			return rc;
	}
}

/* Arrays the kernel refuses without reading them are not read either: no
 * array (EFAULT), or more entries than the program may have fds (EINVAL:
 * a count that large may run past the program's memory). */
static bool refused(const struct pollfd *fds, nfds_t n)
{
	if (!fds)
		return true;
	if (n <= FD_SETSIZE) /* taken as the size of the array */
		return false;
	struct rlimit limit;
	int saved = errno;
	bool over = getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
		    n > limit.rlim_cur;
	errno = saved;
	return over;
}

static CS_SLOW_PATH int poll_slow(struct pollfd *fds, nfds_t n, int timeout)
{
	if (cs_hold_nothing_armed() || refused(fds, n))
		return cs_real_poll(fds, n, timeout);
	return held_poll(fds, n, cs_deadline_of_ms(timeout, cs_now_ns()), NULL);
}

CS_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (cs_likely(!cs_ready_armed(CS_SOCKET_FAMILIES)))
		return cs_real_poll(fds, n, timeout);
	return poll_slow(fds, n, timeout);
}

static CS_SLOW_PATH int ppoll_slow(struct pollfd *fds, nfds_t n,
				   const struct timespec *timeout,
				   const sigset_t *mask)
{
	if (cs_hold_nothing_armed() || refused(fds, n))
		return cs_real_ppoll(fds, n, timeout, mask);
	return held_poll(fds, n, cs_deadline_of_ts(timeout, cs_now_ns()), mask);
}

CS_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
		    const sigset_t *mask)
{
	if (cs_likely(!cs_ready_armed(CS_SOCKET_FAMILIES)))
		return cs_real_ppoll(fds, n, timeout, mask);
	return ppoll_slow(fds, n, timeout, mask);
}

/* The sets a select call passes, kept to start each round from: only the
 * bytes nfds covers, which may be all the program allocated. */
struct fdsets {
	fd_set *set[3];
	fd_set copy[3];
	size_t bytes;
	fd_set show_in; /* readable by the shim's word */
	bool any_shown;
};

/* Sets the shim can narrow: up to FD_SETSIZE. Larger ones (a program's
 * own bitmaps, sized for fds above it) pass through, since the kernel
 * clears the bits of a round that ends early and the shim could not put
 * them back; their held fds may then be reported before they are due. */
static bool narrowable(int nfds)
{
	return nfds >= 0 && nfds <= FD_SETSIZE;
}

static void narrow_sets(int nfds, struct fdsets *s, uint64_t now,
			uint64_t *wake)
{
	for (int i = 0; i < 3; i++)
		if (s->set[i])
			memcpy(s->set[i], &s->copy[i], s->bytes);
	FD_ZERO(&s->show_in);
	s->any_shown = false;
	for (int fd = 0; fd < nfds; fd++) {
		bool asked = false;
		for (int i = 0; i < 3; i++)
			asked |= s->set[i] && FD_ISSET(fd, s->set[i]);
		uint32_t hidden = asked ? hidden_fd(fd, now, wake) : 0;
		if (!hidden)
			continue;
		if ((hidden & CS_SHOW_IN) && s->set[0] && FD_ISSET(fd, s->set[0])) {
			FD_SET(fd, &s->show_in);
			s->any_shown = true;
			*wake = now;
		}
		if ((hidden & (CS_HIDE_IN | CS_HIDE_ALL)) && s->set[0])
			FD_CLR(fd, s->set[0]);
		if ((hidden & (CS_HIDE_OUT | CS_HIDE_ALL)) && s->set[1])
			FD_CLR(fd, s->set[1]);
		if ((hidden & CS_HIDE_ALL) && s->set[2])
			FD_CLR(fd, s->set[2]);
	}
}

static int held_select(int nfds, struct fdsets *s, uint64_t deadline,
		       bool pselect_call, const sigset_t *mask)
{
	s->bytes = (size_t)(nfds + NFDBITS - 1) / NFDBITS * sizeof(fd_mask);
	for (int i = 0; i < 3; i++)
		if (s->set[i])
			memcpy(&s->copy[i], s->set[i], s->bytes);
	for (;;) {
		uint64_t now = cs_now_ns(), wake = 0;
		narrow_sets(nfds, s, now, &wake);
		uint64_t until = cs_deadline_min(deadline, wake);
		struct timespec ts;
		bool finite = cs_deadline_to_ts(cs_wait_aim(until, deadline, now),
						now, &ts);
		int rc;
		if (pselect_call) {
			rc = cs_real_pselect(nfds, s->set[0], s->set[1], s->set[2],
					     finite ? &ts : NULL, mask);
		} else {
			struct timeval tv = {.tv_sec = ts.tv_sec,
					     .tv_usec = (ts.tv_nsec + 999) / 1000};
			rc = cs_real_select(nfds, s->set[0], s->set[1], s->set[2],
					    finite ? &tv : NULL);
		}
		for (int fd = 0; s->any_shown && rc >= 0 && fd < nfds; fd++) {
			if (!FD_ISSET(fd, &s->show_in))
				continue;
			rc += !FD_ISSET(fd, s->set[0]);
			FD_SET(fd, s->set[0]);
		}
		if (rc != 0 || until == deadline || cs_now_ns() >= deadline)
			return rc;
	}
}

static CS_SLOW_PATH int select_slow(int nfds, fd_set *r, fd_set *w, fd_set *e,
				    struct timeval *timeout)
{
	if (cs_hold_nothing_armed() || !narrowable(nfds))
		return cs_real_select(nfds, r, w, e, timeout);
	uint64_t now = cs_now_ns(), deadline = CS_NEVER;
	if (timeout) {
		struct timespec ts = {.tv_sec = timeout->tv_sec,
				      .tv_nsec = timeout->tv_usec * 1000};
		deadline = cs_deadline_of_ts(&ts, now);
	}
	struct fdsets s = {.set = {r, w, e}};
	int rc = held_select(nfds, &s, deadline, false, NULL);
	if (timeout) { /* Linux says how much of the timeout is left */
		int saved = errno;
		struct timespec left;
		cs_deadline_to_ts(deadline, cs_now_ns(), &left);
		timeout->tv_sec = left.tv_sec;
		timeout->tv_usec = left.tv_nsec / 1000;
		errno = saved;
	}
	return rc;
}

CS_EXPORT int select(int nfds, fd_set *r, fd_set *w, fd_set *e,
		     struct timeval *timeout)
{
	if (cs_likely(!cs_ready_armed(CS_SOCKET_FAMILIES)))
		return cs_real_select(nfds, r, w, e, timeout);
	return select_slow(nfds, r, w, e, timeout);
}

static CS_SLOW_PATH int pselect_slow(int nfds, fd_set *r, fd_set *w, fd_set *e,
				     const struct timespec *timeout,
				     const sigset_t *mask)
{
	if (cs_hold_nothing_armed() || !narrowable(nfds))
		return cs_real_pselect(nfds, r, w, e, timeout, mask);
	struct fdsets s = {.set = {r, w, e}};
	return held_select(nfds, &s, cs_deadline_of_ts(timeout, cs_now_ns()),
			   true, mask);
}

CS_EXPORT int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e,
		      const struct timespec *timeout, const sigset_t *mask)
{
	if (cs_likely(!cs_ready_armed(CS_SOCKET_FAMILIES)))
		return cs_real_pselect(nfds, r, w, e, timeout, mask);
	return pselect_slow(nfds, r, w, e, timeout, mask);
}
