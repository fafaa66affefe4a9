/* Interposers of the accept family. The peer of a connection is known only
 * once it is accepted, so the rules run on the accepted socket and a fault
 * undoes the accept: the client sees its connection reset or closed. A
 * delayed connection is accepted at once and handed over late: a blocking
 * accept waits for it; a non-blocking one keeps it aside (a few per
 * listening socket) and says EAGAIN, and readiness does not report the
 * listening socket until the first one kept aside is due. */
#include <fcntl.h>
#include <sys/socket.h>

#include "shim/shim.h"

static int fail(int err)
{
	errno = err;
	return -1;
}

/* Gives conn to the program as a call with these flags and addr wants. */
static int hand_over(int conn, struct sockaddr *addr, socklen_t *len, int flags)
{
	int saved = errno;
	if (addr && len)
		getpeername(conn, addr, len);
	int fl = fcntl(conn, F_GETFL);
	if (fl >= 0)
		fcntl(conn, F_SETFL, flags & SOCK_NONBLOCK ? fl | O_NONBLOCK
							   : fl & ~O_NONBLOCK);
	fcntl(conn, F_SETFD, flags & SOCK_CLOEXEC ? FD_CLOEXEC : 0);
	errno = saved;
	return conn;
}

/* The first connection kept aside on listening socket fd, if it is due;
 * -1 with errno EAGAIN when one is kept but not due; -2 when none is. */
static int take_aside(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct cs_hold *h = cs_hold_lock(fd, false);
	if (!h)
		return -2;
	uint64_t now = cs_now_ns();
	int conn = -2;
	if (h->aside_count) {
		struct cs_aside *a = &h->aside[h->aside_head];
		if (a->due <= now) {
			conn = a->fd;
			h->aside_head = (uint8_t)((h->aside_head + 1) % CS_ASIDE);
			h->aside_count--;
		} else {
			conn = fail(EAGAIN);
		}
	}
	cs_hold_aside_due(h);
	cs_hold_unlock(h, now);
	return conn >= 0 ? hand_over(conn, addr, len, flags) : conn;
}

/* Keeps conn aside until due; false when there is no room. */
static bool put_aside(int fd, int conn, uint64_t due)
{
	struct cs_hold *h = cs_hold_lock(fd, true);
	if (!h)
		return false;
	bool room = h->aside_count < CS_ASIDE;
	if (room) {
		h->aside[(h->aside_head + h->aside_count) % CS_ASIDE] =
			(struct cs_aside){.fd = conn, .due = due};
		h->aside_count++;
		cs_hold_aside_due(h);
	}
	cs_hold_unlock(h, cs_now_ns());
	return room;
}

static CS_SLOW_PATH int accept_slow(int fd, struct sockaddr *addr,
				    socklen_t *len, int flags, const char *name)
{
	int conn = take_aside(fd, addr, len, flags);
	if (conn != -2)
		return conn;
	conn = cs_real_accept4(fd, addr, len, flags);
	if (conn < 0)
		return conn;
	cs_fdinfo_forget(conn);
	cs_hold_forget(conn);
	struct cs_fdinfo sock;
	cs_fdinfo_get(conn, &sock);
	struct cs_call call = {.family = CS_FAM_ACCEPT,
			       .name = name,
			       .fd = conn,
			       .sock = &sock};
	struct cs_action action;
	if (!cs_engine_decide(&call, &action))
		return conn;
	switch (cs_apply_signal(&action)) {
	case CS_FAULT_RESET:
		cs_reset_socket(conn, &sock);
		cs_real_close(conn);
		return fail(ECONNABORTED);
	case CS_FAULT_ERROR:
		cs_real_close(conn);
		return fail(action.error);
	default:
		break;
	}
	if (!action.delay_ns)
		return conn;
	uint64_t due = cs_deadline_add(cs_now_ns(), action.delay_ns);
	if (cs_nonblocking(fd, 0) && put_aside(fd, conn, due))
		return fail(EAGAIN);
	if (cs_wait_blocking(fd, SO_RCVTIMEO, due) < 0) {
		/* The listening socket's own timeout: it was never accepted. */
		cs_reset_socket(conn, &sock);
		cs_real_close(conn);
		return -1;
	}
	return conn;
}

CS_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	if (cs_likely(!cs_ready_armed(CS_BIT(CS_FAM_ACCEPT)))) {
		int conn = cs_real_accept(fd, addr, len);
		cs_fdinfo_forget(conn);
		cs_hold_forget(conn);
		return conn;
	}
	return accept_slow(fd, addr, len, 0, "accept");
}

CS_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	if (cs_likely(!cs_ready_armed(CS_BIT(CS_FAM_ACCEPT)))) {
		int conn = cs_real_accept4(fd, addr, len, flags);
		cs_fdinfo_forget(conn);
		cs_hold_forget(conn);
		return conn;
	}
	return accept_slow(fd, addr, len, flags, "accept4");
}
