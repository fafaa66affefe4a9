/* Resets a connection for real (see cs_socket_reset.h). */
#include <errno.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cs_socket_reset.h"

void cs_socket_reset(int fd, bool tcp)
{
	int saved = errno;
	if (tcp) {
		/* Linger zero turns the disconnect into an RST; connecting to
		 * AF_UNSPEC disconnects without closing the fd. */
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		struct sockaddr unspec = {.sa_family = AF_UNSPEC};
		syscall(SYS_connect, fd, &unspec, sizeof unspec);
	} else {
		shutdown(fd, SHUT_RDWR);
	}
	errno = saved;
}
