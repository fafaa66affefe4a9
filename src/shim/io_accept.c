/* Interposers of the accept family. The peer of a connection is known only
 * once it is accepted, so the rules run on the accepted socket and a fault
 * undoes the accept: the client sees its connection reset or closed. */
#include <sys/socket.h>

#include "shim/shim.h"

static CS_SLOW_PATH int accept_slow(int fd, struct sockaddr *addr, socklen_t *len,
		       int flags, const char *name)
{
	int conn = cs_real_accept4(fd, addr, len, flags);
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
	switch (cs_apply_common(&action)) {
	case CS_FAULT_RESET:
		cs_reset_socket(conn, &sock);
		cs_real_close(conn);
		errno = ECONNABORTED;
		return -1;
	case CS_FAULT_ERROR:
		cs_real_close(conn);
		errno = action.error;
		return -1;
	default:
		return conn;
	}
}

CS_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	if (cs_likely(!cs_armed(CS_FAM_ACCEPT))) {
		int conn = cs_real_accept(fd, addr, len);
		cs_fdinfo_forget(conn);
		return conn;
	}
	return accept_slow(fd, addr, len, 0, "accept");
}

CS_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	if (cs_likely(!cs_armed(CS_FAM_ACCEPT))) {
		int conn = cs_real_accept4(fd, addr, len, flags);
		cs_fdinfo_forget(conn);
		return conn;
	}
	return accept_slow(fd, addr, len, flags, "accept4");
}
