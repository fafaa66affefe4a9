/* Interposers of the recv family: recv, recvfrom, recvmsg, read and readv
 * (which are receives when the fd is a socket), and the fortified
 * __recv_chk, __recvfrom_chk and __read_chk that _FORTIFY_SOURCE builds
 * call instead. */
#include <sys/socket.h>
#include <unistd.h>

#include "shim/shim.h"

extern void __chk_fail(void) __attribute__((noreturn));

static ssize_t real_recv(const struct cs_io *io, struct iovec *iov, int n)
{
	return cs_real_recv(io->fd, cs_iov_base(iov, n), cs_iov_len(iov, n),
			    io->flags);
}

static ssize_t real_recvfrom(const struct cs_io *io, struct iovec *iov, int n)
{
	return cs_real_recvfrom(io->fd, cs_iov_base(iov, n),
				cs_iov_len(iov, n), io->flags, io->from,
				io->fromlen);
}

static ssize_t real_recvmsg(const struct cs_io *io, struct iovec *iov, int n)
{
	/* The program's header gets the kernel's answer (names, flags,
	 * control data); only the data vector is ours when cut short. */
	struct iovec *saved_iov = io->msg->msg_iov;
	size_t saved_len = io->msg->msg_iovlen;
	io->msg->msg_iov = iov;
	io->msg->msg_iovlen = (size_t)n;
	ssize_t got = cs_real_recvmsg(io->fd, io->msg, io->flags);
	io->msg->msg_iov = saved_iov;
	io->msg->msg_iovlen = saved_len;
	return got;
}

static ssize_t real_read(const struct cs_io *io, struct iovec *iov, int n)
{
	return cs_real_read(io->fd, cs_iov_base(iov, n), cs_iov_len(iov, n));
}

static ssize_t real_readv(const struct cs_io *io, struct iovec *iov, int n)
{
	return cs_real_readv(io->fd, iov, n);
}

/* The slow paths, out of line so that each interposer's idle path stays a
 * test and a jump. A call on an fd that no rule can match (the quiet lane)
 * goes straight to the real function, before any frame is built. */
static CS_SLOW_PATH ssize_t recv_io(int fd, void *buf, size_t len, int flags,
				    struct sockaddr *from, socklen_t *fromlen,
				    const char *name)
{
	CS_ONE_BUFFER_IO(CS_FAM_RECV, from ? real_recvfrom : real_recv, name,
			 buf, len, flags);
	io.from = from;
	io.fromlen = fromlen;
	return cs_sockio(&io);
}

static CS_SLOW_PATH ssize_t recv_slow(int fd, void *buf, size_t len, int flags)
{
	if (cs_fd_quiet(fd, CS_FAM_RECV))
		return cs_real_recv(fd, buf, len, flags);
	return recv_io(fd, buf, len, flags, NULL, NULL, "recv");
}

CS_EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	if (cs_likely(!cs_armed(CS_FAM_RECV)))
		return cs_real_recv(fd, buf, len, flags);
	return recv_slow(fd, buf, len, flags);
}

static CS_SLOW_PATH ssize_t recvfrom_slow(int fd, void *buf, size_t len,
					  int flags, struct sockaddr *from,
					  socklen_t *fromlen)
{
	if (cs_fd_quiet(fd, CS_FAM_RECV))
		return cs_real_recvfrom(fd, buf, len, flags, from, fromlen);
	return recv_io(fd, buf, len, flags, from, fromlen, "recvfrom");
}

CS_EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
			   struct sockaddr *from, socklen_t *fromlen)
{
	if (cs_likely(!cs_armed(CS_FAM_RECV)))
		return cs_real_recvfrom(fd, buf, len, flags, from, fromlen);
	return recvfrom_slow(fd, buf, len, flags, from, fromlen);
}

static CS_SLOW_PATH ssize_t recvmsg_io(int fd, struct msghdr *msg, int flags)
{
	struct cs_io io = {.family = CS_FAM_RECV,
			   .name = "recvmsg",
			   .fd = fd,
			   .flags = flags,
			   .iov = msg->msg_iov,
			   .iovcnt = (int)msg->msg_iovlen,
			   .msg = msg,
			   .real = real_recvmsg};
	return cs_sockio(&io);
}

static CS_SLOW_PATH ssize_t recvmsg_slow(int fd, struct msghdr *msg, int flags)
{
	if (cs_fd_quiet(fd, CS_FAM_RECV))
		return cs_real_recvmsg(fd, msg, flags);
	return recvmsg_io(fd, msg, flags);
}

CS_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	if (cs_likely(!cs_armed(CS_FAM_RECV)))
		return cs_real_recvmsg(fd, msg, flags);
	return recvmsg_slow(fd, msg, flags);
}

static CS_SLOW_PATH ssize_t read_io(int fd, void *buf, size_t len)
{
	CS_ONE_BUFFER_IO(CS_FAM_RECV, real_read, "read", buf, len, 0);
	return cs_sockio(&io);
}

static CS_SLOW_PATH ssize_t read_slow(int fd, void *buf, size_t len)
{
	if (cs_fd_quiet(fd, CS_FAM_RECV))
		return cs_real_read(fd, buf, len);
	return read_io(fd, buf, len);
}

CS_EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	if (cs_likely(!cs_armed(CS_FAM_RECV)))
		return cs_real_read(fd, buf, len);
	return read_slow(fd, buf, len);
}

static CS_SLOW_PATH ssize_t readv_io(int fd, const struct iovec *iov,
				     int iovcnt)
{
	struct cs_io io = {.family = CS_FAM_RECV,
			   .name = "readv",
			   .fd = fd,
			   .iov = (struct iovec *)iov,
			   .iovcnt = iovcnt,
			   .real = real_readv};
	return cs_sockio(&io);
}

static CS_SLOW_PATH ssize_t readv_slow(int fd, const struct iovec *iov,
				       int iovcnt)
{
	if (cs_fd_quiet(fd, CS_FAM_RECV))
		return cs_real_readv(fd, iov, iovcnt);
	return readv_io(fd, iov, iovcnt);
}

CS_EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	if (cs_likely(!cs_armed(CS_FAM_RECV)))
		return cs_real_readv(fd, iov, iovcnt);
	return readv_slow(fd, iov, iovcnt);
}

CS_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen,
			     int flags)
{
	if (len > buflen)
		__chk_fail();
	return recv(fd, buf, len, flags);
}

CS_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen,
				 int flags, struct sockaddr *from,
				 socklen_t *fromlen)
{
	if (len > buflen)
		__chk_fail();
	return recvfrom(fd, buf, len, flags, from, fromlen);
}

CS_EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return read(fd, buf, len);
}
