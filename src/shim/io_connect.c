/* Interposers of the connect family: connect, and getsockopt's SO_ERROR,
 * which tells a program the outcome of a non-blocking connect. A refused
 * connection never reaches the network. A delayed one is made at once but
 * shown late: not writable, SO_ERROR clear, until the delay has passed. A
 * blackholed one is never made: not writable until hang_ms, and then it has
 * timed out, as a SYN nobody answers does. A blocking connect waits for
 * the same moment, or for its own SO_SNDTIMEO. */
#include <sys/socket.h>

#include "cs_addr.h"
#include "shim/shim.h"

static int fail(int err)
{
	errno = err;
	return -1;
}

/* A connect that the program sees complete at until: with err, never made
 * and failed by then; else made now (addr). */
static int held_connect(int fd, const struct sockaddr *addr, socklen_t len,
			uint64_t until, int err)
{
	if (!cs_nonblocking(fd, 0)) {
		if (cs_wait_blocking(fd, SO_SNDTIMEO, until) == 0)
			return err ? fail(err) : cs_real_connect(fd, addr, len);
		/* SO_SNDTIMEO came first: Linux says EINPROGRESS, and the
		 * connect goes on behind the program's back. */
	}
	int rc = 0, real_err = EINPROGRESS;
	if (!err) { /* made before the lock: it may take a while */
		rc = cs_real_connect(fd, addr, len);
		real_err = errno;
		if (rc < 0 && real_err != EINPROGRESS)
			return -1; /* failed at once: nothing to show late */
	}
	struct cs_hold *h = cs_hold_lock(fd, true);
	if (!h) { /* no slot for fd (past the last block): the fault is lost */
		errno = real_err;
		return err ? -1 : rc;
	}
	h->out_until = until;
	h->out_all = true;
	h->out_errno = err;
	cs_hold_unlock(h, cs_now_ns());
	return fail(EINPROGRESS);
}

/* A connect again on a socket whose connect is held: EALREADY until it is
 * shown, then its outcome. Returns false when fd holds no connect. */
static bool connect_again(int fd, const struct sockaddr *addr, socklen_t len,
			  int *rc)
{
	struct cs_hold *h = cs_hold_lock(fd, false);
	if (!h)
		return false;
	uint64_t now = cs_now_ns();
	bool held = h->out_all;
	if (held && h->out_until > now) {
		*rc = fail(EALREADY);
	} else if (held && h->out_errno) {
		*rc = fail(h->out_errno);
		h->out_errno = 0;
	} else if (held) {
		*rc = cs_real_connect(fd, addr, len);
	}
	if (held && h->out_until <= now)
		h->out_all = false;
	int saved = errno;
	cs_hold_unlock(h, now);
	errno = saved;
	return held;
}

static CS_SLOW_PATH int connect_slow(int fd, const struct sockaddr *addr,
				     socklen_t len)
{
	int rc;
	if (connect_again(fd, addr, len, &rc))
		return rc;
	struct cs_fdinfo sock;
	cs_fdinfo_get(fd, &sock);
	if (sock.kind == CS_FD_NOT_SOCKET)
		return cs_real_connect(fd, addr, len);
	struct cs_sockaddr peer;
	cs_sockaddr_from(addr, len, &peer);
	struct cs_call call = {.family = CS_FAM_CONNECT,
			       .name = "connect",
			       .fd = fd,
			       .sock = &sock,
			       .peer = &peer};
	struct cs_action action;
	if (!cs_engine_decide(&call, &action))
		return cs_real_connect(fd, addr, len);
	uint64_t now = cs_now_ns();
	switch (cs_apply_signal(&action)) {
	case CS_FAULT_RESET:
		return fail(ECONNREFUSED);
	case CS_FAULT_ERROR:
		return fail(action.error);
	case CS_FAULT_DROP:
		if (sock.kind == CS_FD_UDP) /* nothing goes on the wire */
			break;
		return held_connect(fd, addr, len,
				    cs_hang_until(action.hang_ms, now), ETIMEDOUT);
	default:
		break;
	}
	if (!action.delay_ns)
		return cs_real_connect(fd, addr, len);
	return held_connect(fd, addr, len, cs_deadline_add(now, action.delay_ns),
			    0);
}

CS_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	cs_fdinfo_forget(fd); /* its peer is about to change */
	if (cs_likely(!cs_armed(CS_FAM_CONNECT)))
		return cs_real_connect(fd, addr, len);
	return connect_slow(fd, addr, len);
}

/* SO_ERROR of a connect still held is clear; once a blackholed connect has
 * timed out it is ETIMEDOUT, once. */
static CS_SLOW_PATH int so_error_slow(int fd, int level, int name, void *val,
				      socklen_t *len)
{
	struct cs_hold *h = cs_hold_lock(fd, false);
	if (!h)
		return cs_real_getsockopt(fd, level, name, val, len);
	uint64_t now = cs_now_ns();
	int err = -1;
	if (h->out_all && h->out_until > now) {
		err = 0;
	} else if (h->out_all && h->out_errno) {
		err = h->out_errno;
		h->out_errno = 0;
	}
	cs_hold_unlock(h, now);
	if (err < 0 || !val || !len || *len < sizeof(int))
		return cs_real_getsockopt(fd, level, name, val, len);
	*(int *)val = err;
	*len = sizeof(int);
	return 0;
}

CS_EXPORT int getsockopt(int fd, int level, int name, void *val,
			 socklen_t *len)
{
	if (cs_likely(!cs_armed(CS_FAM_CONNECT)) || level != SOL_SOCKET ||
	    name != SO_ERROR)
		return cs_real_getsockopt(fd, level, name, val, len);
	return so_error_slow(fd, level, name, val, len);
}
