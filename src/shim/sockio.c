/* The slow path shared by every data call of the send and recv families:
 * it passes non-sockets straight through, asks the engine, and turns the
 * decision into what the program sees. */
#include <string.h>

#include "cs_addr.h"
#include "shim/shim.h"

#define CS_IOV_CUT 64

static size_t iov_total(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	return total;
}

static ssize_t fail(int err)
{
	errno = err;
	return -1;
}

/* A blackholed stream call: nothing arrives, and it ends as a timeout. */
static ssize_t hang(const struct cs_io *io, const struct cs_action *action,
		    int timeout_opt)
{
	if (cs_nonblocking(io->fd, io->flags))
		return fail(EAGAIN);
	bool has_timeout;
	cs_sleep_ns(cs_hang_ns(io->fd, action->hang_ms, timeout_opt,
			       &has_timeout));
	return fail(has_timeout ? EAGAIN : ETIMEDOUT);
}

/* The call itself, cut to the slice and paced to the bandwidth cap: a send
 * waits for its link before it goes, a receive after it arrived. */
static ssize_t shaped(const struct cs_io *io, const struct cs_action *action)
{
	size_t max = action->max_bytes;
	if (action->bytes_per_s) {
		size_t chunk = cs_pace_chunk(action->bytes_per_s);
		if (!max || chunk < max)
			max = chunk;
	}
	if (!max)
		return io->real(io, io->iov, io->iovcnt);
	struct iovec cut[CS_IOV_CUT];
	int n = cs_iov_truncate(io->iov, io->iovcnt, max, cut, CS_IOV_CUT);
	int dir = io->family == CS_FAM_RECV;
	if (action->bytes_per_s && !dir)
		cs_sleep_ns(cs_pace_charge(io->fd, dir,
					   iov_total(cut, n), action->bytes_per_s));
	ssize_t done = io->real(io, cut, n);
	/* MSG_TRUNC makes a datagram socket return the datagram's whole
	 * length: the program must not count bytes the slice never wrote. */
	if (dir && done > 0 && (size_t)done > iov_total(cut, n))
		done = (ssize_t)iov_total(cut, n);
	if (action->bytes_per_s && dir && done > 0) {
		int saved = errno;
		cs_sleep_ns(cs_pace_charge(io->fd, dir, (uint64_t)done,
					   action->bytes_per_s));
		errno = saved;
	}
	return done;
}

ssize_t cs_sockio(const struct cs_io *io)
{
	struct cs_fdinfo sock;
	cs_fdinfo_get(io->fd, &sock);
	if (sock.kind == CS_FD_NOT_SOCKET)
		return io->real(io, io->iov, io->iovcnt);

	struct cs_sockaddr to;
	struct cs_call call = {.family = io->family,
			       .name = io->name,
			       .fd = io->fd,
			       .sock = &sock};
	if (io->to) {
		cs_sockaddr_from(io->to, io->tolen, &to);
		call.peer = &to;
	}
	bool sending = io->family == CS_FAM_SEND;
	for (;;) {
		struct cs_action action;
		if (!cs_engine_decide(&call, &action))
			return io->real(io, io->iov, io->iovcnt);
		switch (cs_apply_common(&action)) {
		case CS_FAULT_RESET:
			cs_reset_socket(io->fd, &sock);
			return fail(ECONNRESET);
		case CS_FAULT_ERROR:
			return fail(action.error);
		case CS_FAULT_DROP:
			if (sending) /* the data vanishes on the way */
				return (ssize_t)iov_total(io->iov, io->iovcnt);
			if (sock.kind != CS_FD_UDP)
				return hang(io, &action, SO_RCVTIMEO);
			/* A lost datagram: consume it, and wait for the next. */
			ssize_t got = io->real(io, io->iov, io->iovcnt);
			if (got < 0)
				return got;
			continue;
		default:
			break;
		}
		return shaped(io, &action);
	}
}
