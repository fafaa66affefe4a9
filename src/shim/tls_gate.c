/* Delays on non-blocking TLS sessions, without waiting: the socket under
 * the session holds the delayed bytes (a TLS read) or the call (a write, a
 * handshake step) back, and while a real OpenSSL call runs, a callback on
 * the session's BIOs refuses their socket reads and writes with a retry,
 * so OpenSSL reports SSL_ERROR_WANT_READ or SSL_ERROR_WANT_WRITE as it
 * does for a socket with nothing to give, and readiness reports the socket
 * when it is due. Sessions on BIOs that already have a callback, or on no
 * socket, keep the blocking wait. */
#include <sys/socket.h>

#include "shim/shim.h"

static CS_TLS int gate_fd = -1;

/* The BIOs of ssl, both set when ssl can be gated. */
static bool bios(SSL *ssl, BIO **r, BIO **w)
{
	*r = cs_real_SSL_get_rbio(ssl);
	*w = cs_real_SSL_get_wbio(ssl);
	return *r && *w;
}

static bool watchable(BIO *b)
{
	return !cs_real_BIO_get_callback_ex(b) && !cs_real_BIO_get_callback(b);
}

bool cs_tls_gate_usable(SSL *ssl, int fd)
{
	BIO *r, *w;
	return cs_hold_slot(fd, true) && cs_nonblocking(fd, 0) &&
	       bios(ssl, &r, &w) && watchable(r) && watchable(w);
}

bool cs_tls_gate_held(int fd, enum cs_family family)
{
	struct cs_hold *h = cs_hold_lock(fd, false);
	if (!h)
		return false;
	bool held = family == CS_FAM_SSL_READ
			    ? h->recv_later || !cs_delayq_idle(&h->q)
		    : family == CS_FAM_SSL_WRITE ? h->send_later
						 : h->recv_later || h->send_later;
	cs_hold_unlock(h, cs_now_ns());
	return held;
}

void cs_tls_gate_hold(int fd, enum cs_family family, uint64_t delay_ns)
{
	uint64_t waiting = family == CS_FAM_SSL_READ ? cs_hold_queued(fd) : 0;
	if (family == CS_FAM_SSL_READ && !waiting)
		return; /* nothing came yet: the next record meets the rules */
	struct cs_hold *h = cs_hold_lock(fd, true);
	if (!h)
		return;
	uint64_t now = cs_now_ns(), due = cs_deadline_add(now, delay_ns);
	if (family == CS_FAM_SSL_READ) {
		h->delay_ns = delay_ns;
		cs_delayq_observe(&h->q, waiting, now, delay_ns);
	}
	if (family != CS_FAM_SSL_READ) { /* a write, or a handshake step */
		h->out_until = due;
		h->send_later = true;
	}
	if (family == CS_FAM_SSL_HANDSHAKE) {
		h->in_until = due;
		h->recv_later = true;
	}
	cs_hold_unlock(h, now);
}

/* Whether a socket read (or write) of gate_fd is held back now; a read
 * that goes through is counted off the delay queue afterwards. */
static bool refused(bool reading, bool after, long ret, size_t *processed)
{
	struct cs_hold *h = cs_hold_lock(gate_fd, false);
	if (!h)
		return false;
	uint64_t now = cs_now_ns();
	bool refuse = false;
	bool *later = reading ? &h->recv_later : &h->send_later;
	uint64_t until = reading ? h->in_until : h->out_until;
	if (after) {
		if (reading && ret > 0 && processed && !cs_delayq_idle(&h->q))
			cs_delayq_consume(&h->q, *processed);
	} else if (*later) {
		refuse = until > now;
		*later = refuse;
	} else if (reading && !cs_delayq_idle(&h->q)) {
		cs_delayq_observe(&h->q, cs_hold_queued(gate_fd), now,
				  h->delay_ns);
		refuse = !cs_delayq_visible(&h->q, now);
	}
	cs_hold_unlock(h, now);
	return refuse;
}

static long gate(BIO *b, int oper, const char *argp, size_t len, int argi,
		 long argl, int ret, size_t *processed)
{
	(void)argp, (void)len, (void)argi, (void)argl;
	int op = oper & ~BIO_CB_RETURN;
	if (op != BIO_CB_READ && op != BIO_CB_WRITE)
		return ret;
	bool reading = op == BIO_CB_READ;
	if (!refused(reading, oper & BIO_CB_RETURN, ret, processed))
		return ret;
	cs_real_BIO_set_flags(b, (reading ? BIO_FLAGS_READ : BIO_FLAGS_WRITE) |
					 BIO_FLAGS_SHOULD_RETRY);
	return -1;
}

void cs_tls_gate_open(SSL *ssl, int fd)
{
	BIO *r, *w;
	if (!bios(ssl, &r, &w))
		return;
	gate_fd = fd;
	cs_real_BIO_set_callback_ex(r, gate);
	if (w != r)
		cs_real_BIO_set_callback_ex(w, gate);
}

void cs_tls_gate_close(SSL *ssl)
{
	BIO *r, *w;
	if (gate_fd < 0 || !bios(ssl, &r, &w))
		return;
	cs_real_BIO_set_callback_ex(r, NULL);
	if (w != r)
		cs_real_BIO_set_callback_ex(w, NULL);
	gate_fd = -1;
}
