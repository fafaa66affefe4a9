/* HTTP faults inside TLS sessions: the requests a program writes with
 * SSL_write on a session an HTTP fault watches are followed as on a plain
 * socket (http_conn.c, in the hold of the session's socket), and one that
 * http_response answers never leaves the session: SSL_read hands the made
 * up reply over, and the socket's hold shows it readable. The socket of a
 * session is SSL_get_fd's, or, for a session on the program's own BIO
 * (curl), the one its handshake or a read used. */
#include <string.h>

#include "shim/shim.h"

CS_TLS SSL *cs_tls_learning;

/* Sessions whose socket was learnt, by a hash of their address. */
#define LEARNT 256
static struct learnt {
	SSL *ssl;
	int fd;
} learnt[LEARNT];

static struct learnt *learnt_slot(const SSL *ssl)
{
	uintptr_t a = (uintptr_t)ssl;
	return &learnt[(a >> 4 ^ a >> 12) % LEARNT];
}

bool cs_tls_learnt_any;

void cs_tls_learn(int fd, const struct cs_fdinfo *sock)
{
	struct learnt *l = learnt_slot(cs_tls_learning);
	if (sock->kind != CS_FD_TCP)
		return;
	if (!__atomic_load_n(&cs_tls_learnt_any, __ATOMIC_RELAXED))
		__atomic_store_n(&cs_tls_learnt_any, true, __ATOMIC_RELAXED);
	__atomic_store_n(&l->ssl, NULL, __ATOMIC_RELAXED);
	__atomic_store_n(&l->fd, fd, __ATOMIC_RELEASE);
	__atomic_store_n(&l->ssl, cs_tls_learning, __ATOMIC_RELEASE);
}

void cs_tls_forget(const SSL *ssl)
{
	struct learnt *l = learnt_slot(ssl);
	SSL *mine = (SSL *)ssl;
	__atomic_compare_exchange_n(&l->ssl, &mine, NULL, false,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

static int session_fd(SSL *ssl)
{
	int fd = cs_real_SSL_get_fd(ssl);
	if (fd >= 0)
		return fd;
	struct learnt *l = learnt_slot(ssl);
	if (__atomic_load_n(&l->ssl, __ATOMIC_ACQUIRE) != ssl)
		return -1;
	return __atomic_load_n(&l->fd, __ATOMIC_RELAXED);
}

/* The HTTP connection inside ssl's session, its socket's hold locked. */
static struct cs_http_conn *session_conn(SSL *ssl, int *fd,
					 struct cs_fdinfo *sock,
					 struct cs_hold **h)
{
	*fd = session_fd(ssl);
	if (*fd < 0)
		return NULL;
	cs_fdinfo_get(*fd, sock);
	if (sock->kind != CS_FD_TCP)
		return NULL;
	struct cs_call call = {.family = CS_FAM_SSL_WRITE,
			       .name = "SSL_write",
			       .fd = *fd,
			       .sock = sock};
	struct cs_http_conn *c = cs_http_conn_locked(*fd, sock, &call, h);
	/* Its TLS records were seen as a protocol that is not HTTP. */
	if (c && !c->tls && c->follow.stage == CS_HTTP_NOT_HTTP) {
		memset(c, 0, sizeof(*c));
		c->tls = true;
	}
	if (c && !c->tls) {
		cs_hold_unlock(*h, cs_now_ns());
		return NULL;
	}
	return c;
}

/* The bytes of a request line held back from earlier writes go out. */
static void write_held(SSL *ssl, const struct cs_http_conn *c, uint16_t held)
{
	for (size_t done = 0; done < held;) {
		int n = cs_real_SSL_write(ssl, c->line + done, (int)(held - done));
		if (n <= 0)
			return;
		done += (size_t)n;
	}
}

enum cs_http_step cs_tls_http_write(SSL *ssl, const void *buf, size_t num,
				    struct cs_tls_http *t)
{
	struct cs_fdinfo sock;
	struct cs_hold *h;
	t->fd = -1;
	t->step = CS_HTTP_PASS;
	if (!cs_engine_http_watched(CS_FAM_SSL_WRITE))
		return t->step;
	int fd;
	struct cs_http_conn *c = session_conn(ssl, &fd, &sock, &h);
	if (!c)
		return t->step;
	t->fd = fd;
	t->iov = (struct iovec){.iov_base = (void *)buf, .iov_len = num};
	t->step = cs_http_conn_write(c, &t->iov, 1, &t->w);
	cs_http_settle(fd, c);
	/* A begun line that turned out not to be a request goes first. */
	if ((t->step == CS_HTTP_PASS || t->step == CS_HTTP_H2) && t->w.held)
		write_held(ssl, c, t->w.held);
	cs_hold_unlock(h, cs_now_ns());
	if (t->step == CS_HTTP_H2) {
		struct cs_call call = {.family = CS_FAM_SSL_WRITE,
				       .name = "SSL_write",
				       .fd = fd,
				       .sock = &sock,
				       .http2 = true};
		cs_engine_http2(&call);
	}
	return t->step;
}

bool cs_tls_http_decided(SSL *ssl, struct cs_tls_http *t,
			 const struct cs_action *action)
{
	if (t->fd < 0 || t->step != CS_HTTP_REQUEST)
		return false;
	struct cs_hold *h = cs_hold_lock(t->fd, true);
	struct cs_http_conn *c = h ? h->http : NULL;
	bool answered = c && action->http_response;
	if (answered) {
		cs_http_conn_answer(c, action->http_response, &t->w);
		cs_http_settle(t->fd, c);
	} else if (c) {
		if (action->http_delay_ns)
			c->delay_ns = action->http_delay_ns;
		/* A request line held back goes before the rest of it. */
		write_held(ssl, c, t->w.held);
	}
	if (h)
		cs_hold_unlock(h, cs_now_ns());
	return answered;
}

void cs_tls_http_sent(struct cs_tls_http *t, ssize_t done)
{
	if (t->fd < 0 || (t->step != CS_HTTP_PASS && t->step != CS_HTTP_REQUEST))
		return;
	struct cs_hold *h = cs_hold_lock(t->fd, true);
	if (h && h->http && h->http->tls)
		cs_http_conn_sent(h->http, &t->w, &t->iov, 1, done);
	if (h)
		cs_hold_unlock(h, cs_now_ns());
}

bool cs_tls_http_read(SSL *ssl, void *buf, size_t num, size_t *got,
		      uint64_t *late_ns)
{
	*late_ns = 0;
	int fd = session_fd(ssl);
	struct cs_hold *h = fd >= 0 ? cs_hold_lock(fd, false) : NULL;
	if (!h)
		return false;
	struct cs_http_conn *c = h->http;
	bool replied = c && c->tls && cs_http_conn_replying(c);
	if (replied) {
		struct iovec iov = {.iov_base = buf, .iov_len = num};
		*got = cs_http_conn_read(c, &iov, 1, false);
	} else if (c && c->tls) {
		*late_ns = c->delay_ns;
		c->delay_ns = 0;
	}
	cs_hold_unlock(h, cs_now_ns());
	return replied;
}
