/* Interposer of ioctl for FIONREAD (SIOCINQ): on a socket whose delay
 * queue holds bytes back, it counts only the visible ones, as recv would
 * return them. Every other request passes through. */
#include <stdarg.h>
#include <sys/ioctl.h>

#include "shim/shim.h"

static CS_SLOW_PATH int inq_slow(int fd, unsigned long request, void *arg)
{
	struct cs_hold *h = cs_hold_lock(fd, false);
	int rc = cs_real_ioctl(fd, request, arg);
	if (!h)
		return rc;
	uint64_t now = cs_now_ns();
	if (rc == 0 && arg && !cs_delayq_idle(&h->q)) {
		int *n = arg;
		cs_delayq_observe(&h->q, *n > 0 ? (uint64_t)*n : 0, now,
				  h->delay_ns);
		uint64_t visible = cs_delayq_visible(&h->q, now);
		if (visible < (uint64_t)*n)
			*n = (int)visible;
	}
	cs_hold_unlock(h, now);
	return rc;
}

CS_EXPORT int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (cs_likely(!cs_armed(CS_FAM_RECV)) || request != FIONREAD)
		return cs_real_ioctl(fd, request, arg);
	return inq_slow(fd, request, arg);
}
