/* Interposers of the calls that move a batch of messages at once: sendmmsg
 * and recvmmsg. A batch goes through the slow path of send and recv as one
 * call, matched against the first message's address: its iov holds the
 * batch's length only, and a slice or a bandwidth cap that cuts it keeps
 * the first messages whole and cuts the last one it reaches. */
#include <sys/socket.h>

#include "shim/shim.h"

#define CS_MMSG_IOV_CUT 64

struct batch {
	struct mmsghdr *vec;
	unsigned vlen;
	enum cs_family family;
	struct timespec *timeout; /* recvmmsg's */
	int messages;             /* what the real call returned; -1: not run */
};

static size_t message_length(const struct msghdr *msg)
{
	size_t total = 0;
	for (size_t i = 0; i < msg->msg_iovlen; i++)
		total += msg->msg_iov[i].iov_len;
	return total;
}

static size_t batch_length(const struct mmsghdr *vec, unsigned vlen)
{
	size_t total = 0;
	for (unsigned i = 0; i < vlen; i++)
		total += message_length(&vec[i].msg_hdr);
	return total;
}

static ssize_t moved_bytes(const struct mmsghdr *vec, int messages)
{
	ssize_t total = 0;
	for (int i = 0; i < messages; i++)
		total += vec[i].msg_len;
	return total;
}

/* Calls the real function on the messages that fit in max bytes, the last
 * of them cut to what is left; returns the bytes it moved. */
static ssize_t run_batch(const struct cs_io *io, size_t max)
{
	struct batch *b = io->args;
	unsigned n = 0;
	struct msghdr *cut_msg = NULL;
	struct iovec cut[CS_MMSG_IOV_CUT], *whole_iov = NULL;
	size_t whole_iovlen = 0;
	for (; n < b->vlen; n++) {
		struct msghdr *msg = &b->vec[n].msg_hdr;
		size_t len = message_length(msg);
		if (len <= max) {
			max -= len;
			continue;
		}
		if (n == 0 || max) { /* this one goes, cut */
			whole_iov = msg->msg_iov;
			whole_iovlen = msg->msg_iovlen;
			msg->msg_iovlen = (size_t)cs_iov_truncate(
				whole_iov, (int)whole_iovlen, max, cut,
				CS_MMSG_IOV_CUT);
			msg->msg_iov = cut;
			cut_msg = msg;
			n++;
		}
		break;
	}
	int got = io->family == CS_FAM_SEND
			  ? cs_real_sendmmsg(io->fd, b->vec, n, io->flags)
			  : cs_real_recvmmsg(io->fd, b->vec, n, io->flags,
					     b->timeout);
	if (cut_msg) {
		cut_msg->msg_iov = whole_iov;
		cut_msg->msg_iovlen = whole_iovlen;
	}
	b->messages = got;
	return got < 0 ? -1 : moved_bytes(b->vec, got);
}

static ssize_t real_batch(const struct cs_io *io, struct iovec *iov, int n)
{
	return run_batch(io, cs_iov_len(iov, n));
}

/* What the program gets: the count of messages moved. A batch that
 * vanished on its way was sent whole, as far as the program can tell; a
 * receive that never ran met an end of stream (eof): no message. */
static int batch_result(struct batch *b, ssize_t done)
{
	if (done < 0)
		return -1;
	if (b->messages >= 0)
		return b->messages;
	if (b->family == CS_FAM_RECV)
		return 0;
	for (unsigned i = 0; i < b->vlen; i++)
		b->vec[i].msg_len = (unsigned)message_length(&b->vec[i].msg_hdr);
	return (int)b->vlen;
}

static CS_SLOW_PATH int mmsg_slow(enum cs_family family, const char *name,
				  int fd, struct mmsghdr *vec, unsigned vlen,
				  int flags, struct timespec *timeout)
{
	struct batch b = {.vec = vec,
			  .vlen = vlen,
			  .family = family,
			  .timeout = timeout,
			  .messages = -1};
	struct iovec length = {.iov_len = batch_length(vec, vlen)};
	const struct msghdr *first = &vec[0].msg_hdr;
	struct cs_io io = {.family = family,
			   .name = name,
			   .fd = fd,
			   .flags = flags,
			   .iov = &length,
			   .iovcnt = 1,
			   .real = real_batch,
			   .args = &b,
			   .lengths_only = true};
	if (family == CS_FAM_SEND && first->msg_name) {
		io.to = first->msg_name;
		io.tolen = first->msg_namelen;
	}
	return batch_result(&b, cs_sockio(&io));
}

CS_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags)
{
	if (cs_likely(!cs_send_armed()) || !vlen ||
	    (!vec[0].msg_hdr.msg_name && cs_fd_quiet(fd, CS_FAM_SEND)))
		return cs_real_sendmmsg(fd, vec, vlen, flags);
	return mmsg_slow(CS_FAM_SEND, "sendmmsg", fd, vec, vlen, flags, NULL);
}

CS_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags,
		       struct timespec *timeout)
{
	if (cs_likely(!cs_armed(CS_FAM_RECV)) || !vlen ||
	    cs_fd_quiet(fd, CS_FAM_RECV))
		return cs_real_recvmmsg(fd, vec, vlen, flags, timeout);
	return mmsg_slow(CS_FAM_RECV, "recvmmsg", fd, vec, vlen, flags,
			 timeout);
}
