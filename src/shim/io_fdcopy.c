/* Interposers of the calls that copy between two fds inside the kernel:
 * sendfile, splice and copy_file_range. With a socket at one end the copy
 * is a send (the socket is written) or a receive (it is read) and goes
 * through the slow path of send and recv, with the same faults; its iov
 * holds only the length to move, which a slice or a bandwidth cap cuts. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim/shim.h"

/* One copy, as its real callback needs it. */
struct fdcopy {
	int in, out;
	off_t *offset;     /* sendfile's */
	loff_t *in_offset; /* sendfile64's, splice's, copy_file_range's */
	loff_t *out_offset;
	unsigned flags;
	bool nonblocking; /* splice's SPLICE_F_NONBLOCK */
	bool moved;       /* the real call ran */
};

static bool is_socket(int fd)
{
	struct cs_fdinfo info;
	cs_fdinfo_get(fd, &info);
	return info.kind != CS_FD_NOT_SOCKET;
}

static size_t at_most(size_t n, size_t want)
{
	return n < want ? n : want;
}

/* Reads and throws away up to want bytes of what a pipe holds. */
static size_t drain_pipe(int fd, size_t want)
{
	int pending = 0;
	if (cs_real_ioctl(fd, FIONREAD, &pending) < 0 || pending <= 0)
		return 0;
	size_t left = at_most((size_t)pending, want), done = 0;
	char sink[4096];
	while (left) {
		ssize_t got = cs_real_read(fd, sink, at_most(left, sizeof sink));
		if (got <= 0)
			break;
		left -= (size_t)got;
		done += (size_t)got;
	}
	return done;
}

/* Moves the source file's offset on by up to want bytes, no further than
 * its end. */
static size_t skip_file(const struct fdcopy *c, off_t size, size_t want)
{
	off_t at = c->offset	  ? *c->offset
		   : c->in_offset ? (off_t)*c->in_offset
				  : lseek(c->in, 0, SEEK_CUR);
	if (at < 0 || size <= at)
		return 0;
	size_t n = at_most((size_t)(size - at), want);
	if (c->offset)
		*c->offset += (off_t)n;
	else if (c->in_offset)
		*c->in_offset += (loff_t)n;
	else
		lseek(c->in, (off_t)n, SEEK_CUR);
	return n;
}

/* The fault let the bytes vanish on their way: the program believes they
 * left, so take them from the source as the kernel would have (a pipe is
 * drained, the file offset moves on). Returns how many that was. */
static ssize_t vanish(const struct fdcopy *c, size_t want)
{
	int saved = errno;
	struct stat st;
	size_t n = 0;
	if (fstat(c->in, &st) == 0)
		n = S_ISFIFO(st.st_mode) ? drain_pipe(c->in, want)
					 : skip_file(c, st.st_size, want);
	errno = saved;
	return (ssize_t)n;
}

/* Whether neither end can meet a rule: each is a file or a pipe, or a
 * socket of the quiet lane, or its family is not armed. */
static bool both_ends_quiet(int in, int out)
{
	return (!cs_send_armed() || cs_fd_quiet(out, CS_FAM_SEND)) &&
	       (!cs_armed(CS_FAM_RECV) || cs_fd_quiet(in, CS_FAM_RECV));
}

/* Runs the copy through the slow path when its socket end's family is
 * armed, straight through otherwise. */
static ssize_t copy_slow(struct fdcopy *c, const char *name, size_t n,
			 ssize_t (*real)(const struct cs_io *, struct iovec *,
					 int))
{
	struct iovec length = {.iov_len = n};
	struct cs_io io = {.name = name,
			   .iov = &length,
			   .iovcnt = 1,
			   .flags = c->nonblocking ? MSG_DONTWAIT : 0,
			   .real = real,
			   .args = c,
			   .lengths_only = true};
	if (cs_send_armed() && is_socket(c->out)) {
		io.family = CS_FAM_SEND;
		io.fd = c->out;
	} else if (cs_armed(CS_FAM_RECV) && is_socket(c->in)) {
		io.family = CS_FAM_RECV;
		io.fd = c->in;
	} else {
		return real(&io, &length, 1);
	}
	ssize_t done = cs_sockio(&io);
	if (io.family == CS_FAM_SEND && done > 0 && !c->moved)
		return vanish(c, (size_t)done);
	return done;
}

static ssize_t real_sendfile(const struct cs_io *io, struct iovec *iov, int n)
{
	struct fdcopy *c = io->args;
	c->moved = true;
	return cs_real_sendfile(c->out, c->in, c->offset, cs_iov_len(iov, n));
}

static ssize_t real_sendfile64(const struct cs_io *io, struct iovec *iov, int n)
{
	struct fdcopy *c = io->args;
	c->moved = true;
	return cs_real_sendfile64(c->out, c->in, c->in_offset,
				  cs_iov_len(iov, n));
}

static ssize_t real_splice(const struct cs_io *io, struct iovec *iov, int n)
{
	struct fdcopy *c = io->args;
	c->moved = true;
	return cs_real_splice(c->in, c->in_offset, c->out, c->out_offset,
			      cs_iov_len(iov, n), c->flags);
}

static ssize_t real_copy_file_range(const struct cs_io *io, struct iovec *iov,
				    int n)
{
	struct fdcopy *c = io->args;
	c->moved = true;
	return cs_real_copy_file_range(c->in, c->in_offset, c->out,
				       c->out_offset, cs_iov_len(iov, n),
				       c->flags);
}

#define CS_COPY_FAMILIES (CS_BIT(CS_FAM_SEND) | CS_BIT(CS_FAM_RECV))

static CS_SLOW_PATH ssize_t sendfile_slow(int out, int in, off_t *offset,
					  size_t n)
{
	struct fdcopy c = {.in = in, .out = out, .offset = offset};
	return copy_slow(&c, "sendfile", n, real_sendfile);
}

CS_EXPORT ssize_t sendfile(int out, int in, off_t *offset, size_t n)
{
	if (cs_likely(!cs_send_armed()) || cs_fd_quiet(out, CS_FAM_SEND))
		return cs_real_sendfile(out, in, offset, n);
	return sendfile_slow(out, in, offset, n);
}

static CS_SLOW_PATH ssize_t sendfile64_slow(int out, int in, off64_t *offset,
					    size_t n)
{
	struct fdcopy c = {.in = in, .out = out, .in_offset = offset};
	return copy_slow(&c, "sendfile", n, real_sendfile64);
}

CS_EXPORT ssize_t sendfile64(int out, int in, off64_t *offset, size_t n)
{
	if (cs_likely(!cs_send_armed()) || cs_fd_quiet(out, CS_FAM_SEND))
		return cs_real_sendfile64(out, in, offset, n);
	return sendfile64_slow(out, in, offset, n);
}

static CS_SLOW_PATH ssize_t splice_slow(int in, loff_t *in_offset, int out,
					loff_t *out_offset, size_t n,
					unsigned flags)
{
	if (both_ends_quiet(in, out))
		return cs_real_splice(in, in_offset, out, out_offset, n, flags);
	struct fdcopy c = {.in = in,
			   .out = out,
			   .in_offset = in_offset,
			   .out_offset = out_offset,
			   .flags = flags,
			   .nonblocking = flags & SPLICE_F_NONBLOCK};
	return copy_slow(&c, "splice", n, real_splice);
}

CS_EXPORT ssize_t splice(int in, loff_t *in_offset, int out,
			 loff_t *out_offset, size_t n, unsigned flags)
{
	if (cs_likely(!cs_armed_bits(CS_COPY_FAMILIES)))
		return cs_real_splice(in, in_offset, out, out_offset, n, flags);
	return splice_slow(in, in_offset, out, out_offset, n, flags);
}

static CS_SLOW_PATH ssize_t copy_file_range_slow(int in, loff_t *in_offset,
						 int out, loff_t *out_offset,
						 size_t n, unsigned flags)
{
	/* The kernel refuses sockets here (EINVAL); a fault comes first,
	 * as it would for any other data call on the socket. */
	if (both_ends_quiet(in, out))
		return cs_real_copy_file_range(in, in_offset, out, out_offset,
					       n, flags);
	struct fdcopy c = {.in = in,
			   .out = out,
			   .in_offset = in_offset,
			   .out_offset = out_offset,
			   .flags = flags};
	return copy_slow(&c, "copy_file_range", n, real_copy_file_range);
}

CS_EXPORT ssize_t copy_file_range(int in, loff_t *in_offset, int out,
				  loff_t *out_offset, size_t n, unsigned flags)
{
	if (cs_likely(!cs_armed_bits(CS_COPY_FAMILIES)))
		return cs_real_copy_file_range(in, in_offset, out, out_offset,
					       n, flags);
	return copy_file_range_slow(in, in_offset, out, out_offset, n, flags);
}
