/* The slow path shared by every data call of the send and recv families:
 * it passes non-sockets straight through, asks the engine, and turns the
 * decision into what the program sees. A blocking call waits as it would
 * for a slow network (up to its socket's own timeout); a non-blocking one
 * never waits: the socket's hold keeps the data, or the readiness, back
 * until it is due, and the call says EAGAIN until then. */
#include <string.h>

#include "cs_addr.h"
#include "cs_corrupt.h"
#include "shim/shim.h"

#define CS_IOV_CUT 64

static ssize_t fail(int err)
{
	errno = err;
	return -1;
}

static bool sending(const struct cs_io *io)
{
	return io->family == CS_FAM_SEND;
}

static int timeout_opt(const struct cs_io *io)
{
	return sending(io) ? SO_SNDTIMEO : SO_RCVTIMEO;
}

/* The call itself, cut to at most max bytes (0: whole). */
static ssize_t cut_call(const struct cs_io *io, size_t max)
{
	if (!max)
		return io->real(io, io->iov, io->iovcnt);
	struct iovec cut[CS_IOV_CUT];
	int n = cs_iov_truncate(io->iov, io->iovcnt, max, cut, CS_IOV_CUT);
	ssize_t done = io->real(io, cut, n);
	/* MSG_TRUNC makes a datagram socket return the datagram's whole
	 * length: the program must not count bytes the cut never wrote. */
	if (!sending(io) && done > 0 && (size_t)done > cs_iov_total(cut, n))
		done = (ssize_t)cs_iov_total(cut, n);
	return done;
}

/* Keeps a non-blocking call's direction hidden until `until`, when the
 * call, told EAGAIN, may come back. False when fd has no room for a hold. */
static bool come_back_at(const struct cs_io *io, const struct cs_fdinfo *sock,
			 uint64_t until)
{
	struct cs_hold *h = cs_hold_lock(io->fd, true);
	if (!h)
		return false;
	cs_hold_claim(h, sock->ino);
	uint64_t *mine = sending(io) ? &h->out_until : &h->in_until;
	if (*mine < until)
		*mine = until;
	cs_hold_unlock(h, cs_now_ns());
	return true;
}

/* The call itself, cut to the slice and paced to the bandwidth cap: a send
 * waits for its link before it goes, a receive after it arrived; on a
 * non-blocking socket a busy link is EAGAIN instead, and not ready. */
static ssize_t shaped(const struct cs_io *io, const struct cs_fdinfo *sock,
		      const struct cs_action *action)
{
	size_t max = action->max_bytes;
	uint64_t rate = action->bytes_per_s;
	if (rate) {
		size_t chunk = cs_pace_chunk(rate);
		if (!max || chunk < max)
			max = chunk;
	}
	if (!rate)
		return cut_call(io, max);
	int dir = io->family == CS_FAM_RECV;
	if (cs_nonblocking(io->fd, io->flags)) {
		uint64_t busy = cs_pace_busy_until(io->fd, dir), now = cs_now_ns();
		if (busy > now && come_back_at(io, sock, busy))
			return fail(EAGAIN);
		if (busy > now) /* past the holds' range: it waits after all */
			cs_sleep_ns(busy - now);
		ssize_t done = cut_call(io, max);
		if (done > 0)
			cs_pace_charge(io->fd, dir, (uint64_t)done, rate);
		return done;
	}
	if (!dir) {
		size_t going = cs_iov_total(io->iov, io->iovcnt);
		cs_sleep_ns(cs_pace_charge(io->fd, dir, going < max ? going : max,
					   rate));
	}
	ssize_t done = cut_call(io, max);
	if (dir && done > 0) {
		int saved = errno;
		cs_sleep_ns(cs_pace_charge(io->fd, dir, (uint64_t)done, rate));
		errno = saved;
	}
	return done;
}

/* What limit_data leaves of the bytes h's delay queue may hand over:
 * UINT64_MAX without a limit, 0 once the connection has received it. */
static uint64_t limit_left(const struct cs_io *io, const struct cs_fdinfo *sock,
			   const struct cs_hold *h)
{
	if (!h->limit_bytes)
		return UINT64_MAX;
	uint64_t moved = cs_limit_moved(io->fd, sock, 1);
	return moved < h->limit_bytes ? h->limit_bytes - moved : 0;
}

/* A receive from a socket whose delay queue holds bytes: only the visible
 * ones are read (up to what limit_data leaves); with none, EAGAIN, or a
 * blocking wait for the next batch. Called with h locked; lets it go. */
static ssize_t from_queue(const struct cs_io *io, const struct cs_fdinfo *sock,
			  struct cs_hold *h)
{
	for (;;) {
		uint64_t now = cs_now_ns();
		cs_delayq_observe(&h->q, cs_hold_queued(io->fd), now, h->delay_ns);
		uint64_t visible = cs_delayq_visible(&h->q, now);
		uint64_t left = limit_left(io, sock, h);
		if (visible > left)
			visible = left;
		if (visible) {
			ssize_t got = cut_call(io, visible);
			int saved = errno;
			if (got <= 0) /* read behind the queue's back: start over */
				memset(&h->q, 0, sizeof h->q);
			else if (!(io->flags & MSG_PEEK))
				cs_delayq_consume(&h->q, (uint64_t)got);
			if (got > 0 && h->limit_bytes && !(io->flags & MSG_PEEK))
				cs_limit_count(io->fd, sock, 1, (uint64_t)got);
			cs_hold_unlock(h, cs_now_ns());
			errno = saved;
			return got;
		}
		uint64_t due = cs_delayq_next_due(&h->q);
		cs_hold_unlock(h, now);
		if (cs_nonblocking(io->fd, io->flags))
			return fail(EAGAIN);
		if (cs_wait_blocking(io->fd, SO_RCVTIMEO, due) < 0)
			return -1;
		h = cs_hold_lock(io->fd, false);
		if (!h)
			return io->real(io, io->iov, io->iovcnt);
	}
}

/* A call on a partitioned TCP connection: nothing is delivered either way.
 * Sends vanish into the void until a window's worth is there, then block;
 * everything times out at the partition's end, if it has one. Called with
 * h locked; lets it go. */
static ssize_t partitioned(const struct cs_io *io, struct cs_hold *h)
{
	uint64_t now = cs_now_ns(), until = h->in_until;
	if (until <= now) {
		cs_hold_unlock(h, now);
		return fail(ETIMEDOUT);
	}
	if (sending(io) && h->void_bytes < CS_PARTITION_WINDOW) {
		uint64_t room = CS_PARTITION_WINDOW - h->void_bytes;
		uint64_t n = cs_iov_total(io->iov, io->iovcnt);
		if (n > room)
			n = room;
		h->void_bytes += n;
		cs_hold_unlock(h, now);
		return (ssize_t)n;
	}
	if (sending(io))
		h->out_until = until; /* the window is full: not writable */
	cs_hold_unlock(h, now);
	return cs_blackhole(io->fd, timeout_opt(io),
			    cs_nonblocking(io->fd, io->flags), until);
}

/* A call that must wait for an earlier decision on this fd: a partition,
 * bytes in the delay queue, or a non-blocking call told to come back
 * later (then this one passes). True when *r is the call's result. */
static bool held(const struct cs_io *io, const struct cs_fdinfo *sock,
		 ssize_t *r)
{
	struct cs_hold *h = cs_hold_lock(io->fd, false);
	if (!h)
		return false;
	cs_hold_claim(h, sock->ino);
	if (!sending(io) && h->http && cs_http_recv(io, h, r))
		return true;
	uint64_t now = cs_now_ns();
	if (h->partitioned) {
		*r = partitioned(io, h);
		return true;
	}
	/* Once limit_data's bytes are in, the rules end the connection. */
	if (!sending(io) && !cs_delayq_idle(&h->q) && limit_left(io, sock, h)) {
		*r = from_queue(io, sock, h);
		return true;
	}
	uint64_t *until = sending(io) ? &h->out_until : &h->in_until;
	bool *comeback = sending(io) ? &h->send_later : &h->recv_later;
	if (*comeback) {
		bool due = *until <= now;
		if (due)
			*comeback = false;
		cs_hold_unlock(h, now);
		if (!due)
			*r = fail(EAGAIN);
		else
			*r = io->real(io, io->iov, io->iovcnt);
		return true;
	}
	cs_hold_unlock(h, now);
	return false;
}

/* Whether a send's data can wait in a queue: there are bytes behind its
 * lengths, no ancillary data (file descriptors, credentials) that would
 * have to be kept valid until it goes, no urgent byte, no connect riding
 * on it (MSG_FASTOPEN), and no datagram corked to be continued by the
 * next send (MSG_MORE). */
static bool queueable(const struct cs_io *io, const struct cs_fdinfo *sock)
{
	return !io->lengths_only && !(io->msg && io->msg->msg_controllen) &&
	       !(io->flags & (MSG_OOB | MSG_FASTOPEN)) &&
	       !((io->flags & MSG_MORE) && sock->send_queue != CS_SENDQ_STREAM);
}

/* A send that found its fd's state busy (the flusher is sending from its
 * queue, or another thread works on it): when something may be queued, a
 * non-blocking send must not overtake it, and is told to come back. True
 * when *r is its result. */
static bool busy_queue(const struct cs_io *io, ssize_t *r)
{
	if (!cs_hold_active_fd(io->fd) || !cs_nonblocking(io->fd, io->flags))
		return false;
	*r = fail(EAGAIN);
	return true;
}

/* A send that cannot queue (a copy between fds, a batch of messages,
 * ancillary data) on a socket whose queue still holds something: it goes
 * once that is out, as behind a full socket buffer. True when *r is its
 * result. */
static bool behind_queue(const struct cs_io *io, ssize_t *r)
{
	bool nonblocking = cs_nonblocking(io->fd, io->flags);
	for (;;) {
		struct cs_hold *h = cs_hold_lock(io->fd, false);
		if (!h)
			return busy_queue(io, r);
		uint64_t now = cs_now_ns();
		bool pending = cs_sendq_pending(h);
		if (pending && nonblocking)
			cs_sendq_wait_behind(h, now);
		cs_hold_unlock(h, now);
		if (!pending)
			return false;
		if (nonblocking) {
			*r = fail(EAGAIN);
			return true;
		}
		cs_sleep_ns(1000000);
	}
}

/* A send on a socket that has a send queue: delayed, or behind what is
 * still queued (order is kept). True when *r is its result. */
static bool send_queued(const struct cs_io *io, const struct cs_fdinfo *sock,
			uint64_t delay_ns, ssize_t *r)
{
	if (!queueable(io, sock))
		return behind_queue(io, r);
	/* Nothing may be queued that no flusher would send: a send from a
	 * signal handler (an event loop's wake-up byte) goes now instead,
	 * undelayed, rather than be told EAGAIN and lost. */
	if (delay_ns && !cs_sendq_flusher_ready()) {
		*r = io->real(io, io->iov, io->iovcnt);
		return true;
	}
	struct cs_hold *h = cs_hold_lock(io->fd, delay_ns != 0);
	if (!h)
		return busy_queue(io, r);
	cs_hold_claim(h, sock->ino);
	ssize_t put = -2;
	if (delay_ns || cs_sendq_pending(h))
		put = cs_sendq_put(h, io, sock->send_queue, delay_ns);
	int saved = errno;
	cs_hold_unlock(h, cs_now_ns());
	if (put >= 0 && !cs_sendq_kick()) {
		/* The flusher left meanwhile, and a signal handler may not
		 * start it: the data goes now, early rather than never. */
		h = cs_hold_lock(io->fd, false);
		if (h) {
			cs_sendq_flush_now(h);
			cs_hold_unlock(h, cs_now_ns());
		}
	}
	errno = saved;
	*r = put;
	return put != -2;
}

/* A delay on a non-blocking call: a TCP receive puts the waiting bytes in
 * the delay queue, a send its data in the socket's send queue; any other
 * call (and a send that cannot queue) is told to come back when it is
 * due, and readiness hides the fd until then. False when there is nothing
 * to hold (no bytes arrived yet: the next arrival meets the rules) or no
 * room. */
static bool hold_delay(const struct cs_io *io, const struct cs_fdinfo *sock,
		       const struct cs_action *action, ssize_t *r)
{
	uint64_t delay_ns = action->delay_ns;
	if (sending(io) && sock->send_queue != CS_SENDQ_NONE &&
	    send_queued(io, sock, delay_ns, r))
		return true;
	bool stream_recv = !sending(io) && sock->kind == CS_FD_TCP;
	uint64_t waiting = stream_recv ? cs_hold_queued(io->fd) : 0;
	if (stream_recv && !waiting)
		return false;
	struct cs_hold *h = cs_hold_lock(io->fd, true);
	if (!h)
		return false;
	cs_hold_claim(h, sock->ino);
	uint64_t now = cs_now_ns();
	if (stream_recv) {
		h->delay_ns = delay_ns;
		h->limit_bytes = action->limit_bytes;
		cs_delayq_observe(&h->q, waiting, now, delay_ns);
		*r = from_queue(io, sock, h);
		return true;
	}
	*(sending(io) ? &h->out_until : &h->in_until) =
		cs_deadline_add(now, delay_ns);
	*(sending(io) ? &h->send_later : &h->recv_later) = true;
	cs_hold_unlock(h, now);
	*r = fail(EAGAIN);
	return true;
}

/* limit_data: a call on a connection that has moved its limit in the
 * call's direction meets the rule's end instead (a close is an eof fault
 * on receives); before it, the call is cut to the bytes left. */
static void limit_call(const struct cs_io *io, const struct cs_fdinfo *sock,
		       struct cs_action *action)
{
	static const int8_t ends[] = {
		[CS_LIMIT_CLOSE] = CS_FAULT_LIMIT_DATA,
		[CS_LIMIT_RESET] = CS_FAULT_RESET,
		[CS_LIMIT_HANG] = CS_FAULT_DROP,
	};
	if (!action->limit_bytes || action->terminal >= 0)
		return;
	uint64_t moved = cs_limit_moved(io->fd, sock, !sending(io));
	if (moved >= action->limit_bytes) {
		action->terminal = ends[action->limit_end];
		action->hang_ms = 0;
		return;
	}
	uint64_t left = action->limit_bytes - moved;
	if (left > INT32_MAX)
		left = INT32_MAX;
	if (!action->max_bytes || left < action->max_bytes)
		action->max_bytes = (uint32_t)left;
}

/* Ends the connection both ways, as after the peer's shutdown: a receive
 * reads the end of the stream, a send fails with EPIPE (and SIGPIPE,
 * unless MSG_NOSIGNAL) from the kernel itself; the peer sees a FIN after
 * what a delayed send queued before the limit. */
static ssize_t limit_close(const struct cs_io *io)
{
	int saved = errno;
	cs_hold_send_now(io->fd);
	cs_real_shutdown(io->fd, SHUT_RDWR);
	errno = saved;
	return sending(io) ? io->real(io, io->iov, io->iovcnt) : 0;
}

/* A datagram doubled on its way out, or damaged on its way in. A batch
 * or a copy between fds (lengths only: no bytes to see) is left alone. */
static void damage(const struct cs_io *io, const struct cs_fdinfo *sock,
		   const struct cs_action *action, ssize_t done)
{
	if (done < 0 || io->lengths_only || sock->kind != CS_FD_UDP)
		return;
	if (action->duplicate && sending(io)) {
		int saved = errno;
		io->real(io, io->iov, io->iovcnt);
		errno = saved;
	}
	if (action->corrupt_bits && !sending(io))
		cs_flip_bits(io->iov, io->iovcnt, (size_t)done,
			     action->corrupt_bits, action->corrupt_key);
}

/* A send cut to the bytes limit_data leaves it (the action's max_bytes),
 * for the send queue, which takes a call's data whole: copy, holding cut;
 * io itself without a limit. */
static const struct cs_io *limited_send(const struct cs_io *io,
					const struct cs_action *action,
					struct cs_io *copy, struct iovec *cut)
{
	if (!action->limit_bytes || !sending(io) || io->lengths_only)
		return io;
	*copy = *io;
	copy->iovcnt = cs_iov_truncate(io->iov, io->iovcnt, action->max_bytes,
				       cut, CS_IOV_CUT);
	copy->iov = cut;
	return copy;
}

/* The bytes a call moved count toward limit_data. */
static ssize_t counted(const struct cs_io *io, const struct cs_fdinfo *sock,
		       const struct cs_action *action, ssize_t done)
{
	if (action->limit_bytes && done > 0)
		cs_limit_count(io->fd, sock, !sending(io), (uint64_t)done);
	return done;
}

/* A datagram went out: those reorder keeps back on its socket may be due
 * behind it. */
static ssize_t went_out(const struct cs_io *io, const struct cs_fdinfo *sock,
			ssize_t done)
{
	if (done >= 0 && sending(io) && sock->kind == CS_FD_UDP)
		cs_reorder_passed(io->fd);
	return done;
}

ssize_t cs_sockio(const struct cs_io *io)
{
	struct cs_fdinfo sock;
	cs_fdinfo_get(io->fd, &sock);
	if (sock.kind == CS_FD_NOT_SOCKET)
		return io->real(io, io->iov, io->iovcnt);
	if (cs_tls_learning)
		cs_tls_learn(io->fd, &sock);
	if (sending(io) && sock.kind == CS_FD_TCP && !io->lengths_only &&
	    cs_engine_http_watched(CS_FAM_SEND))
		return cs_http_send(io, &sock);
	return cs_sockio_with(io, &sock, NULL);
}

ssize_t cs_sockio_with(const struct cs_io *io, const struct cs_fdinfo *sockp,
		       const struct cs_sockio_http *http)
{
	struct cs_fdinfo sock = *sockp;
	ssize_t r;
	if (held(io, &sock, &r))
		return r;

	struct cs_sockaddr to;
	struct cs_call call = {.family = io->family,
			       .name = io->name,
			       .fd = io->fd,
			       .sock = &sock,
			       .http = http ? http->req : NULL};
	if (io->to) {
		cs_sockaddr_from(io->to, io->tolen, &to);
		call.peer = &to;
	}
	/* A send no rule delays still queues behind what its socket holds
	 * queued (a socket that holds nothing has nothing to overtake). */
	bool queued_send = sending(io) && sock.send_queue != CS_SENDQ_NONE &&
			   cs_hold_active_fd(io->fd);
	for (;;) {
		struct cs_action action;
		bool decided = cs_engine_decide(&call, &action);
		if (http && http->decided(io, &action, http->arg, &r))
			return r;
		if (!decided) {
			if (queued_send && send_queued(io, &sock, 0, &r))
				return r;
			return went_out(io, &sock,
					io->real(io, io->iov, io->iovcnt));
		}
		limit_call(io, &sock, &action);
		switch (cs_apply_signal(&action)) {
		case CS_FAULT_LIMIT_DATA:
			return limit_close(io);
		case CS_FAULT_RESET:
			cs_reset_socket(io->fd, &sock);
			return fail(ECONNRESET);
		case CS_FAULT_ERROR:
			return fail(action.error);
		case CS_FAULT_EOF: /* the receive alone: nothing is consumed */
			return 0;
		case CS_FAULT_DROP:
			if (sock.kind == CS_FD_TCP) {
				struct cs_hold *h = cs_hold_partition(
					io->fd, sock.ino, action.hang_ms);
				if (h)
					return partitioned(io, h);
				return cs_blackhole(
					io->fd, timeout_opt(io),
					cs_nonblocking(io->fd, io->flags),
					cs_hang_until(action.hang_ms,
						      cs_now_ns()));
			}
			if (sending(io)) /* the datagram is lost on the way */
				return (ssize_t)cs_iov_total(io->iov, io->iovcnt);
			/* A lost datagram: consume it, and wait for the next. */
			ssize_t got = io->real(io, io->iov, io->iovcnt);
			if (got < 0)
				return got;
			continue;
		default:
			break;
		}
		if (action.reorder_after && !action.delay_ns && sending(io) &&
		    queueable(io, &sock) &&
		    (r = cs_reorder_keep(io, &sock, action.reorder_after)) != -2)
			return r;
		struct cs_io limited;
		struct iovec cut[CS_IOV_CUT];
		const struct cs_io *queued =
			limited_send(io, &action, &limited, cut);
		if (queued_send && !action.delay_ns &&
		    send_queued(queued, &sock, 0, &r))
			return counted(io, &sock, &action, r);
		if (action.delay_ns) {
			if (cs_nonblocking(io->fd, io->flags)) {
				/* A receive's bytes count as the queue hands
				 * them over. */
				if (hold_delay(queued, &sock, &action, &r))
					return sending(io) ? counted(io, &sock,
								     &action, r)
							   : r;
			} else if (cs_wait_blocking(
					   io->fd, timeout_opt(io),
					   cs_deadline_add(cs_now_ns(),
							   action.delay_ns)) < 0) {
				return -1;
			}
		}
		ssize_t done = counted(io, &sock, &action,
				       shaped(io, &sock, &action));
		damage(io, &sock, &action, done);
		return went_out(io, &sock, done);
	}
}
