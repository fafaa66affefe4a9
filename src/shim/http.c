/* HTTP faults on plain sockets: the requests a program writes on a TCP
 * connection that an HTTP fault watches are followed (http_conn.c); the
 * write that starts one meets the rules with its method and path. A
 * request answered by http_response never reaches the server: its bytes
 * are taken in, and the reply is read from the socket's hold, which
 * shows it readable to poll, select and epoll (hold.c); a reply that ends
 * the connection shuts the socket for reading, so that the kernel reports
 * it readable too and the read after the reply finds the end. http_delay
 * puts the response's first bytes in the hold's delay queue. */
#include <poll.h>
#include <sys/socket.h>

#include "shim/shim.h"

#define IOV_CUT 64

void cs_http_settle(int fd, struct cs_http_conn *c)
{
	if (c->reply_ready && c->reply_close && !c->read_shut) {
		int saved = errno;
		cs_real_shutdown(fd, SHUT_RD);
		errno = saved;
		c->read_shut = true;
	}
}

struct cs_http_conn *cs_http_conn_locked(int fd, const struct cs_fdinfo *sock,
					 const struct cs_call *call,
					 struct cs_hold **h)
{
	*h = cs_hold_lock(fd, true);
	if (!*h)
		return NULL;
	cs_hold_claim(*h, sock->ino);
	if (!(*h)->http && cs_engine_http_watches(call)) {
		(*h)->http = cs_http_conn_new();
		if ((*h)->http)
			(*h)->http->tls = call->family == CS_FAM_SSL_WRITE;
	}
	if (!(*h)->http)
		cs_hold_unlock(*h, cs_now_ns());
	return (*h)->http;
}

/* The request line bytes held back from earlier sends go out before the
 * request they start passes on: a blocking send waits for room. */
static void send_held(int fd, const struct cs_http_conn *c, uint16_t held)
{
	size_t done = 0;
	while (done < held) {
		ssize_t n = cs_real_send(fd, c->line + done, held - done,
					 MSG_NOSIGNAL);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) ||
		    cs_real_poll(&p, 1, 1000) <= 0)
			return; /* the send that follows fails the same way */
	}
}

struct decision {
	int fd;
	struct cs_http_conn *c;
	struct cs_http_write *w;
};

static bool decided(const struct cs_io *io, const struct cs_action *action,
		    void *arg, ssize_t *r)
{
	struct decision *d = arg;
	struct cs_hold *h = cs_hold_lock(d->fd, true);
	bool answered = action->http_response != NULL;
	(void)io;
	if (!h || h->http != d->c) {
		if (h)
			cs_hold_unlock(h, cs_now_ns());
		return false;
	}
	if (answered) {
		cs_http_conn_answer(d->c, action->http_response, d->w);
		cs_http_settle(d->fd, d->c);
		*r = (ssize_t)d->w->len;
	} else {
		if (d->w->held)
			send_held(d->fd, d->c, d->w->held);
		if (action->http_delay_ns)
			d->c->delay_ns = action->http_delay_ns;
	}
	cs_hold_unlock(h, cs_now_ns());
	return answered;
}

ssize_t cs_http_send(const struct cs_io *io, const struct cs_fdinfo *sock)
{
	struct cs_call call = {.family = CS_FAM_SEND,
			       .name = io->name,
			       .fd = io->fd,
			       .sock = sock};
	struct cs_hold *h;
	struct cs_http_conn *c = cs_http_conn_locked(io->fd, sock, &call, &h);
	if (!c)
		return cs_sockio_with(io, sock, NULL);
	struct cs_http_write w;
	/* TLS records: the requests are inside the session. */
	enum cs_http_step step = c->tls ? CS_HTTP_PASS
				 : cs_http_conn_write(c, io->iov, io->iovcnt, &w);
	if (step == CS_HTTP_HELD || step == CS_HTTP_SWALLOWED) {
		cs_http_settle(io->fd, c);
		cs_hold_unlock(h, cs_now_ns());
		return (ssize_t)w.len;
	}
	/* A begun line that turned out not to be a request goes first. */
	if (step != CS_HTTP_REQUEST && !c->tls && w.held)
		send_held(io->fd, c, w.held);
	bool unfollowed = c->tls || c->follow.stage == CS_HTTP_NOT_HTTP;
	cs_hold_unlock(h, cs_now_ns());
	if (unfollowed) {
		cs_engine_http_unfollowed(&call);
		if (step != CS_HTTP_H2)
			return cs_sockio_with(io, sock, NULL);
	}
	if (step == CS_HTTP_H2) {
		call.http2 = true;
		cs_engine_http2(&call);
		call.http2 = false;
	}

	/* The write is cut where its request ends: the next starts a write
	 * of its own, and meets the rules with its own line. */
	struct iovec cut[IOV_CUT];
	struct cs_io part = *io;
	part.iovcnt = cs_iov_truncate(io->iov, io->iovcnt, w.len, cut, IOV_CUT);
	part.iov = cut;
	struct decision d = {.fd = io->fd, .c = c, .w = &w};
	struct cs_sockio_http http = {.req = &w.req, .decided = decided, .arg = &d};
	ssize_t r = cs_sockio_with(&part, sock,
				   step == CS_HTTP_REQUEST ? &http : NULL);
	/* A short or failed send: follow only what went. */
	if ((size_t)r != w.len) {
		int saved = errno;
		h = cs_hold_lock(io->fd, true);
		if (h && h->http == c)
			cs_http_conn_sent(c, &w, part.iov, part.iovcnt, r);
		if (h)
			cs_hold_unlock(h, cs_now_ns());
		errno = saved;
	}
	return r;
}

/* The socket's SO_RCVTIMEO in milliseconds, -1 for none. */
static int receive_timeout_ms(int fd)
{
	struct timeval tv;
	socklen_t len = sizeof(tv);
	int saved = errno;
	int rc = cs_real_getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len);
	errno = saved;
	if (rc < 0 || (!tv.tv_sec && !tv.tv_usec))
		return -1;
	return (int)(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
}

/* http_delay: the first bytes of the response, once they are there, join
 * the delay queue (a blocking receive waits for them first). Called with
 * h locked; returns it locked, or NULL when it was let go for good. */
static struct cs_hold *first_bytes_late(const struct cs_io *io,
					struct cs_hold *h)
{
	uint64_t waiting = cs_hold_queued(io->fd);
	if (!waiting && !cs_nonblocking(io->fd, io->flags)) {
		cs_hold_unlock(h, cs_now_ns());
		struct pollfd p = {.fd = io->fd, .events = POLLIN};
		int saved = errno;
		cs_real_poll(&p, 1, receive_timeout_ms(io->fd));
		errno = saved;
		h = cs_hold_lock(io->fd, false);
		if (!h || !h->http)
			return h;
		waiting = cs_hold_queued(io->fd);
	}
	if (waiting) {
		cs_delayq_observe(&h->q, waiting, cs_now_ns(), h->http->delay_ns);
		h->http->delay_ns = 0;
	}
	return h;
}

bool cs_http_recv(const struct cs_io *io, struct cs_hold *h, ssize_t *r)
{
	struct cs_http_conn *c = h->http;
	if (c->tls) /* the reply is the session's to read */
		return false;
	if (cs_http_conn_replying(c) && !io->lengths_only) {
		*r = (ssize_t)cs_http_conn_read(c, io->iov, io->iovcnt,
						io->flags & MSG_PEEK);
		cs_hold_unlock(h, cs_now_ns());
		return true;
	}
	if (c->delay_ns && !first_bytes_late(io, h)) {
		*r = io->real(io, io->iov, io->iovcnt);
		return true;
	}
	return false;
}
