/* Interposers of the send family: send, sendto, sendmsg, and write and
 * writev (which are sends when the fd is a socket); and shutdown, which
 * ends the sending and so must come after the bytes a delay queued. */
#include <sys/socket.h>
#include <unistd.h>

#include "shim/shim.h"

static ssize_t real_send(const struct cs_io *io, struct iovec *iov, int n)
{
	return cs_real_send(io->fd, cs_iov_base(iov, n), cs_iov_len(iov, n),
			    io->flags);
}

static ssize_t real_sendto(const struct cs_io *io, struct iovec *iov, int n)
{
	return cs_real_sendto(io->fd, cs_iov_base(iov, n), cs_iov_len(iov, n),
			      io->flags, io->to, io->tolen);
}

static ssize_t real_sendmsg(const struct cs_io *io, struct iovec *iov, int n)
{
	struct msghdr msg = *io->msg;
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)n;
	return cs_real_sendmsg(io->fd, &msg, io->flags);
}

static ssize_t real_write(const struct cs_io *io, struct iovec *iov, int n)
{
	return cs_real_write(io->fd, cs_iov_base(iov, n), cs_iov_len(iov, n));
}

static ssize_t real_writev(const struct cs_io *io, struct iovec *iov, int n)
{
	return cs_real_writev(io->fd, iov, n);
}

/* The slow paths, out of line so that each interposer's idle path stays a
 * test and a jump. A call on an fd that no rule can match (the quiet lane)
 * goes straight to the real function, before any frame is built; an
 * address of the call's own may match a rule that the fd's does not. */
static CS_SLOW_PATH ssize_t send_io(int fd, const void *buf, size_t len,
				    int flags, const struct sockaddr *to,
				    socklen_t tolen, const char *name)
{
	CS_ONE_BUFFER_IO(CS_FAM_SEND, to ? real_sendto : real_send, name, buf,
			 len, flags);
	io.to = to;
	io.tolen = tolen;
	return cs_sockio(&io);
}

static CS_SLOW_PATH ssize_t send_slow(int fd, const void *buf, size_t len,
				      int flags)
{
	if (cs_fd_quiet(fd, CS_FAM_SEND))
		return cs_real_send(fd, buf, len, flags);
	return send_io(fd, buf, len, flags, NULL, 0, "send");
}

CS_EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	if (cs_likely(!cs_send_armed()))
		return cs_real_send(fd, buf, len, flags);
	return send_slow(fd, buf, len, flags);
}

CS_EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags,
			 const struct sockaddr *to, socklen_t tolen)
{
	if (cs_likely(!cs_send_armed()))
		return cs_real_sendto(fd, buf, len, flags, to, tolen);
	return send_io(fd, buf, len, flags, to, tolen, "sendto");
}

static CS_SLOW_PATH ssize_t sendmsg_io(int fd, const struct msghdr *msg,
				       int flags)
{
	struct cs_io io = {.family = CS_FAM_SEND,
			   .name = "sendmsg",
			   .fd = fd,
			   .flags = flags,
			   .iov = msg->msg_iov,
			   .iovcnt = (int)msg->msg_iovlen,
			   .msg = (struct msghdr *)msg,
			   .to = msg->msg_name,
			   .tolen = msg->msg_name ? msg->msg_namelen : 0,
			   .real = real_sendmsg};
	return cs_sockio(&io);
}

static CS_SLOW_PATH ssize_t sendmsg_slow(int fd, const struct msghdr *msg,
					 int flags)
{
	if (!msg->msg_name && cs_fd_quiet(fd, CS_FAM_SEND))
		return cs_real_sendmsg(fd, msg, flags);
	return sendmsg_io(fd, msg, flags);
}

CS_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (cs_likely(!cs_send_armed()))
		return cs_real_sendmsg(fd, msg, flags);
	return sendmsg_slow(fd, msg, flags);
}

static CS_SLOW_PATH ssize_t write_io(int fd, const void *buf, size_t len)
{
	CS_ONE_BUFFER_IO(CS_FAM_SEND, real_write, "write", buf, len, 0);
	return cs_sockio(&io);
}

static CS_SLOW_PATH ssize_t write_slow(int fd, const void *buf, size_t len)
{
	if (cs_fd_quiet(fd, CS_FAM_SEND))
		return cs_real_write(fd, buf, len);
	return write_io(fd, buf, len);
}

CS_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	if (cs_likely(!cs_send_armed()))
		return cs_real_write(fd, buf, len);
	return write_slow(fd, buf, len);
}

static CS_SLOW_PATH ssize_t writev_io(int fd, const struct iovec *iov,
				      int iovcnt)
{
	struct cs_io io = {.family = CS_FAM_SEND,
			   .name = "writev",
			   .fd = fd,
			   .iov = (struct iovec *)iov,
			   .iovcnt = iovcnt,
			   .real = real_writev};
	return cs_sockio(&io);
}

static CS_SLOW_PATH ssize_t writev_slow(int fd, const struct iovec *iov,
					int iovcnt)
{
	if (cs_fd_quiet(fd, CS_FAM_SEND))
		return cs_real_writev(fd, iov, iovcnt);
	return writev_io(fd, iov, iovcnt);
}

CS_EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	if (cs_likely(!cs_send_armed()))
		return cs_real_writev(fd, iov, iovcnt);
	return writev_slow(fd, iov, iovcnt);
}

/* The kernel sends what it accepted before the FIN: bytes queued by a
 * delayed send go out now, early rather than after it (and lost). */
static CS_SLOW_PATH int shutdown_slow(int fd, int how)
{
	if (how != SHUT_RD && cs_hold_active_fd(fd))
		cs_hold_send_now(fd);
	return cs_real_shutdown(fd, how);
}

CS_EXPORT int shutdown(int fd, int how)
{
	if (cs_likely(!cs_send_armed()))
		return cs_real_shutdown(fd, how);
	return shutdown_slow(fd, how);
}
