/* Interposers that keep the per-fd socket cache honest (a number that is
 * closed, replaced or handed out again must not keep its old identity),
 * and close, which slow_close rules may make reach the peer late. */
#include <limits.h>
#include <linux/close_range.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shim/shim.h"

/* A TCP socket a slow_close rule matches stays open on the shim's
 * duplicate until the delay is over; the program's fd closes now. */
static CS_SLOW_PATH void close_late(int fd)
{
	struct cs_fdinfo sock;
	struct cs_action action;
	cs_fdinfo_get(fd, &sock);
	if (sock.kind != CS_FD_TCP)
		return;
	struct cs_call call = {.family = CS_FAM_CLOSE,
			       .name = "close",
			       .fd = fd,
			       .sock = &sock};
	if (cs_engine_decide(&call, &action) &&
	    cs_apply_signal(&action) < 0 && action.delay_ns)
		cs_slowclose_defer(fd, action.delay_ns);
}

CS_EXPORT int close(int fd)
{
	if (cs_unlikely(cs_armed(CS_FAM_CLOSE)))
		close_late(fd);
	cs_fdinfo_forget(fd);
	cs_hold_forget(fd);
	return cs_real_close(fd);
}

/* Forgets every cached fd, and what is held on it, from first to last:
 * every number below the cache's end, and past it the fds that hold
 * something (a closefrom must not walk four billion numbers). */
static void forget_range(unsigned int first, unsigned int last)
{
	for (unsigned int fd = first; fd <= last && fd < CS_FD_CACHE; fd++) {
		cs_fdinfo_forget((int)fd);
		cs_hold_forget((int)fd);
	}
	if (first > (unsigned int)INT_MAX)
		return;
	int from = first < CS_FD_CACHE ? CS_FD_CACHE : (int)first;
	for (int fd = cs_hold_next(CS_HOLD_USED, from);
	     fd >= 0 && (unsigned int)fd <= last;
	     fd = cs_hold_next(CS_HOLD_USED, fd + 1))
		cs_hold_forget(fd);
}

CS_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		forget_range(first, last);
	return cs_real_close_range(first, last, flags);
}

CS_EXPORT void closefrom(int low)
{
	if (low >= 0)
		forget_range((unsigned int)low, ~0u);
	cs_real_closefrom(low);
}

CS_EXPORT int dup2(int oldfd, int newfd)
{
	cs_fdinfo_forget(newfd);
	cs_hold_forget(newfd);
	return cs_real_dup2(oldfd, newfd);
}

CS_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	cs_fdinfo_forget(newfd);
	cs_hold_forget(newfd);
	return cs_real_dup3(oldfd, newfd, flags);
}

CS_EXPORT int socket(int domain, int type, int protocol)
{
	int fd = cs_real_socket(domain, type, protocol);
	cs_fdinfo_forget(fd);
	cs_hold_forget(fd);
	return fd;
}

CS_EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	int rc = cs_real_socketpair(domain, type, protocol, sv);
	if (rc == 0) {
		cs_fdinfo_forget(sv[0]);
		cs_fdinfo_forget(sv[1]);
		cs_hold_forget(sv[0]);
		cs_hold_forget(sv[1]);
	}
	return rc;
}
