/* Interposers that only keep the per-fd socket cache honest: a number that
 * is closed, replaced or handed out again must not keep its old identity. */
#include <sys/socket.h>
#include <unistd.h>

#include "shim/shim.h"

CS_EXPORT int close(int fd)
{
	cs_fdinfo_forget(fd);
	cs_hold_forget(fd);
	return cs_real_close(fd);
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
