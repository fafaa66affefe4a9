/* Interposer of ioctl for FIONREAD (SIOCINQ): on a socket whose delay
 * queue holds bytes back, it counts only the visible ones, as recv would
 * return them. Every other request passes through. */
#include <asm/ioctls.h> /* not <sys/ioctl.h>: see ioctl below */

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

/* Declared with its one optional argument named rather than variadic: on
 * the Linux ABIs the argument travels as a plain third one, and the idle
 * path stays a test and a jump with no va_list to build. */
int ioctl(int fd, unsigned long request, void *arg);

CS_EXPORT int ioctl(int fd, unsigned long request, void *arg)
{
	if (cs_likely(!cs_armed(CS_FAM_RECV)) || request != FIONREAD)
		return cs_real_ioctl(fd, request, arg);
	return inq_slow(fd, request, arg);
}
