/* Interposers of the TLS families (OpenSSL's SSL_read, SSL_write and the
 * handshakes) and the certificate check that lets a clock_skew rule with
 * scope "tls" expire certificates while the rest of the program keeps the
 * true time. Faults act on the socket under the TLS session, so OpenSSL,
 * the program and the peer all see the same failure. */
#include <string.h>
#include <sys/socket.h>

#include "shim/shim.h"

/* END: an end of stream, a read that returns 0 (eof fits ssl_read only). */
enum outcome { PROCEED, FAIL, END };

/* Runs the rules for a TLS call; on FAIL errno says why. *action keeps the
 * slice and bandwidth for the caller. On a session that can be held back
 * without waiting (tls_gate.c), a delay is held back on its socket, and
 * the gate is open for the real call: the caller closes it after. */
static enum outcome ssl_decide(SSL *ssl, enum cs_family family,
			       const char *name, struct cs_action *action,
			       int *fd, const struct cs_http_request *req,
			       uint64_t late_ns)
{
	struct cs_fdinfo sock = {0};
	*fd = cs_real_SSL_get_fd(ssl);
	if (*fd >= 0)
		cs_fdinfo_get(*fd, &sock);
	bool gated = cs_tls_gate_usable(ssl, *fd);
	if (gated && cs_tls_gate_held(*fd, family)) {
		/* Decided earlier: only the gate decides this call. */
		*action = (struct cs_action){.terminal = -1};
		cs_tls_gate_open(ssl, *fd);
		return PROCEED;
	}
	struct cs_call call = {.family = family,
			       .name = name,
			       .fd = *fd,
			       .sock = *fd >= 0 ? &sock : NULL,
			       .http = req};
	bool decided = cs_engine_decide(&call, action);
	action->delay_ns += late_ns; /* http_delay: the response's first byte */
	if (!decided && !late_ns)
		return PROCEED;
	int opt = family == CS_FAM_SSL_WRITE ? SO_SNDTIMEO : SO_RCVTIMEO;
	bool nonblocking = *fd >= 0 && cs_nonblocking(*fd, 0);
	switch (cs_apply_signal(action)) {
	case CS_FAULT_RESET:
		/* The peer gets a real RST; the call fails as OpenSSL reports a
		 * reset (SSL_ERROR_SYSCALL with ECONNRESET). A session on the
		 * program's own BIO (curl) has no fd: only the call fails. */
		if (*fd >= 0)
			cs_reset_socket(*fd, &sock);
		errno = ECONNRESET;
		return FAIL;
	case CS_FAULT_ERROR:
		errno = action->error;
		return FAIL;
	case CS_FAULT_EOF:
		/* The peer's FIN without a close_notify: OpenSSL's
		 * SSL_get_error says SSL_ERROR_SYSCALL with errno 0. */
		errno = 0;
		return END;
	case CS_FAULT_DROP: {
		/* The connection under the session is partitioned. */
		uint64_t until = cs_hang_until(action->hang_ms, cs_now_ns());
		struct cs_hold *h = sock.kind == CS_FD_TCP
					    ? cs_hold_partition(*fd, sock.ino,
								action->hang_ms)
					    : NULL;
		if (h) {
			until = h->in_until;
			cs_hold_unlock(h, cs_now_ns());
		}
		cs_blackhole(*fd, opt, nonblocking, until);
		return FAIL;
	}
	default:
		break;
	}
	if (action->delay_ns && gated)
		cs_tls_gate_hold(*fd, family, action->delay_ns);
	else if (action->delay_ns && *fd >= 0 &&
		 cs_wait_blocking(*fd, opt,
				  cs_deadline_add(cs_now_ns(), action->delay_ns)) < 0)
		return FAIL;
	else if (action->delay_ns && *fd < 0)
		cs_sleep_ns(action->delay_ns);
	if (gated)
		cs_tls_gate_open(ssl, *fd);
	return PROCEED;
}

/* The most one call may move under the action's slice and bandwidth. */
static size_t ssl_limit(const struct cs_action *action, size_t n)
{
	if (action->max_bytes && action->max_bytes < n)
		n = action->max_bytes;
	if (action->bytes_per_s && cs_pace_chunk(action->bytes_per_s) < n)
		n = cs_pace_chunk(action->bytes_per_s);
	return n;
}

static void ssl_pace(const struct cs_action *action, int fd, int dir,
		     size_t bytes)
{
	if (action->bytes_per_s && bytes) {
		int saved = errno;
		cs_sleep_ns(cs_pace_charge(fd, dir, bytes, action->bytes_per_s));
		errno = saved;
	}
}

static CS_SLOW_PATH int ssl_read_slow(SSL *ssl, void *buf, int num)
{
	struct cs_action action;
	int fd;
	size_t replied;
	uint64_t late_ns;
	if (num > 0 && cs_tls_http_read(ssl, buf, (size_t)num, &replied, &late_ns))
		return (int)replied;
	enum outcome decided =
		ssl_decide(ssl, CS_FAM_SSL_READ, "SSL_read", &action, &fd, NULL,
			   num > 0 ? late_ns : 0);
	if (decided != PROCEED)
		return decided == END ? 0 : -1;
	cs_tls_learning = ssl;
	int got = cs_real_SSL_read(ssl, buf,
				   num > 0 ? (int)ssl_limit(&action, (size_t)num)
					   : num);
	cs_tls_learning = NULL;
	cs_tls_gate_close(ssl);
	ssl_pace(&action, fd, 1, got > 0 ? (size_t)got : 0);
	return got;
}

CS_EXPORT int SSL_read(SSL *ssl, void *buf, int num)
{
	if (cs_likely(!cs_armed(CS_FAM_SSL_READ)))
		return cs_real_SSL_read(ssl, buf, num);
	return ssl_read_slow(ssl, buf, num);
}

static CS_SLOW_PATH int ssl_read_ex_slow(SSL *ssl, void *buf, size_t num,
					size_t *got)
{
	struct cs_action action;
	int fd;
	size_t replied;
	uint64_t late_ns;
	if (num && cs_tls_http_read(ssl, buf, num, &replied, &late_ns)) {
		if (got)
			*got = replied;
		return 1;
	}
	if (ssl_decide(ssl, CS_FAM_SSL_READ, "SSL_read_ex", &action, &fd, NULL,
		       num ? late_ns : 0) != PROCEED) {
		if (got)
			*got = 0;
		return 0;
	}
	cs_tls_learning = ssl;
	int ok = cs_real_SSL_read_ex(ssl, buf, ssl_limit(&action, num), got);
	cs_tls_learning = NULL;
	cs_tls_gate_close(ssl);
	ssl_pace(&action, fd, 1, ok == 1 && got ? *got : 0);
	return ok;
}

CS_EXPORT int SSL_read_ex(SSL *ssl, void *buf, size_t num, size_t *got)
{
	if (cs_likely(!cs_armed(CS_FAM_SSL_READ)))
		return cs_real_SSL_read_ex(ssl, buf, num, got);
	return ssl_read_ex_slow(ssl, buf, num, got);
}

/* A cut-short write goes out as several records, each a real SSL_write:
 * the peer sees short reads, the program sees its whole buffer sent. */
static size_t ssl_write_cut(SSL *ssl, const struct cs_action *action, int fd,
			    const char *buf, size_t num, int *last)
{
	size_t done = 0;
	*last = 1;
	while (done < num) {
		size_t n = ssl_limit(action, num - done);
		ssl_pace(action, fd, 0, n);
		*last = cs_real_SSL_write(ssl, buf + done, (int)n);
		if (*last <= 0)
			break;
		done += (size_t)*last;
	}
	return done;
}

/* A write of num bytes: its HTTP request followed, the rules, then the
 * real write; returns the bytes written, *last the last real result. */
static size_t ssl_write_do(SSL *ssl, const void *buf, size_t num,
			   const char *name, int *last)
{
	struct cs_action action;
	struct cs_tls_http http;
	int fd;
	*last = 1;
	switch (cs_tls_http_write(ssl, buf, num, &http)) {
	case CS_HTTP_HELD:
	case CS_HTTP_SWALLOWED:
		return num;
	default:
		break;
	}
	if (ssl_decide(ssl, CS_FAM_SSL_WRITE, name, &action, &fd,
		       http.step == CS_HTTP_REQUEST ? &http.w.req : NULL,
		       0) != PROCEED) {
		*last = -1;
		return 0;
	}
	if (cs_tls_http_decided(ssl, &http, &action)) {
		cs_tls_gate_close(ssl);
		return num;
	}
	size_t done = ssl_write_cut(ssl, &action, fd, buf, num, last);
	cs_tls_gate_close(ssl);
	cs_tls_http_sent(&http, done ? (ssize_t)done : -1);
	return done;
}

static CS_SLOW_PATH int ssl_write_slow(SSL *ssl, const void *buf, int num)
{
	int last;
	if (num <= 0) {
		struct cs_action action;
		int fd;
		if (ssl_decide(ssl, CS_FAM_SSL_WRITE, "SSL_write", &action, &fd,
			       NULL, 0) == FAIL)
			return -1;
		last = cs_real_SSL_write(ssl, buf, num);
		cs_tls_gate_close(ssl);
		return last;
	}
	size_t done = ssl_write_do(ssl, buf, (size_t)num, "SSL_write", &last);
	return done ? (int)done : last;
}

CS_EXPORT int SSL_write(SSL *ssl, const void *buf, int num)
{
	if (cs_likely(!cs_armed(CS_FAM_SSL_WRITE)))
		return cs_real_SSL_write(ssl, buf, num);
	return ssl_write_slow(ssl, buf, num);
}

static CS_SLOW_PATH int ssl_write_ex_slow(SSL *ssl, const void *buf,
					 size_t num, size_t *put)
{
	int last;
	size_t done = ssl_write_do(ssl, buf, num, "SSL_write_ex", &last);
	if (last < 0 && !done)
		return 0;
	if (put)
		*put = done;
	return done || num == 0 ? 1 : 0;
}

CS_EXPORT int SSL_write_ex(SSL *ssl, const void *buf, size_t num, size_t *put)
{
	if (cs_likely(!cs_armed(CS_FAM_SSL_WRITE)))
		return cs_real_SSL_write_ex(ssl, buf, num, put);
	return ssl_write_ex_slow(ssl, buf, num, put);
}

/* A freed session's learnt socket is forgotten (tls_http.c). */
static CS_SLOW_PATH void ssl_free_slow(SSL *ssl)
{
	cs_tls_forget(ssl);
	cs_real_SSL_free(ssl);
}

CS_EXPORT void SSL_free(SSL *ssl)
{
	if (cs_likely(!__atomic_load_n(&cs_tls_learnt_any, __ATOMIC_RELAXED)))
		return cs_real_SSL_free(ssl);
	ssl_free_slow(ssl);
}

/* Set while a handshake call runs: libssl's SSL_connect and SSL_accept call
 * SSL_do_handshake through the PLT, which lands here again, and one call
 * of the program must meet the rules once. */
static CS_TLS int in_handshake;

/* The three ways into a handshake share one body. */
static int handshake(SSL *ssl, int (**real)(SSL *), const char *name)
{
	if (cs_likely(!cs_armed(CS_FAM_SSL_HANDSHAKE)) || in_handshake)
		return (*real)(ssl);
	struct cs_action action;
	int fd;
	if (ssl_decide(ssl, CS_FAM_SSL_HANDSHAKE, name, &action, &fd, NULL, 0) ==
	    FAIL)
		return -1;
	in_handshake++;
	cs_tls_learning = ssl;
	int rc = (*real)(ssl);
	cs_tls_learning = NULL;
	in_handshake--;
	cs_tls_gate_close(ssl);
	return rc;
}

CS_EXPORT int SSL_connect(SSL *ssl)
{
	return handshake(ssl, &cs_real_SSL_connect, "SSL_connect");
}

CS_EXPORT int SSL_accept(SSL *ssl)
{
	return handshake(ssl, &cs_real_SSL_accept, "SSL_accept");
}

CS_EXPORT int SSL_do_handshake(SSL *ssl)
{
	return handshake(ssl, &cs_real_SSL_do_handshake, "SSL_do_handshake");
}

/* A tls-scoped skew moves the time a certificate check uses, and nothing
 * else: the check is given the skewed time as its verification time, the
 * way a program that checks against a fixed date would set it. */
static CS_SLOW_PATH int verify_cert_slow(X509_STORE_CTX *ctx)
{
	struct cs_call call = {.family = CS_FAM_CLOCK,
			       .name = "X509_verify_cert",
			       .fd = -1,
			       .cert_check = true};
	struct cs_action action;
	struct timespec now;
	int64_t at;
	if (cs_engine_decide(&call, &action)) {
		cs_apply_common(&action);
		cs_real_clock_gettime(CLOCK_REALTIME, &now);
		if (action.skewed &&
		    cs_skew_time(&action.skew,
				 (int64_t)now.tv_sec * 1000000000 + now.tv_nsec,
				 &at) == 0)
			cs_real_X509_STORE_CTX_set_time(ctx, 0,
							(time_t)(at / 1000000000));
	}
	return cs_real_X509_verify_cert(ctx);
}

CS_EXPORT int X509_verify_cert(X509_STORE_CTX *ctx)
{
	if (cs_likely(!cs_armed_bits(CS_ARM_CERT_CHECK)))
		return cs_real_X509_verify_cert(ctx);
	return verify_cert_slow(ctx);
}
