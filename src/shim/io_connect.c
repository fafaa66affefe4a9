/* Interposer of the connect family. A refused connection never reaches the
 * network; a blackholed one waits like a SYN that is never answered. */
#include <sys/socket.h>

#include "cs_addr.h"
#include "shim/shim.h"

static CS_SLOW_PATH int connect_slow(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct cs_fdinfo sock;
	cs_fdinfo_get(fd, &sock);
	if (sock.kind == CS_FD_NOT_SOCKET)
		return cs_real_connect(fd, addr, len);
	struct cs_sockaddr peer;
	cs_sockaddr_from(addr, len, &peer);
	struct cs_call call = {.family = CS_FAM_CONNECT,
			       .name = "connect",
			       .fd = fd,
			       .sock = &sock,
			       .peer = &peer};
	struct cs_action action;
	if (!cs_engine_decide(&call, &action))
		return cs_real_connect(fd, addr, len);
	bool has_timeout;
	switch (cs_apply_common(&action)) {
	case CS_FAULT_RESET:
		errno = ECONNREFUSED;
		return -1;
	case CS_FAULT_ERROR:
		errno = action.error;
		return -1;
	case CS_FAULT_DROP:
		if (sock.kind == CS_FD_UDP) /* nothing goes on the wire */
			break;
		cs_sleep_ns(cs_hang_ns(fd, action.hang_ms, SO_SNDTIMEO,
				       &has_timeout));
		errno = ETIMEDOUT;
		return -1;
	default:
		break;
	}
	return cs_real_connect(fd, addr, len);
}

CS_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	cs_fdinfo_forget(fd); /* its peer is about to change */
	if (cs_likely(!cs_armed(CS_FAM_CONNECT)))
		return cs_real_connect(fd, addr, len);
	return connect_slow(fd, addr, len);
}
