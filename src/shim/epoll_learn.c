/* Registrations an epoll fd got while no socket rule was armed (a profile
 * loaded live into a running event loop) went past epoll_ctl unseen. The
 * first wait on an epoll fd under each new segment state that finds
 * anything held back reads them from /proc/self/fdinfo/EPFD and tracks the sockets' ones as if epoll_ctl had
 * been seen, so that what a socket holds back is taken out of the kernel's
 * interest there too, instead of being reported to a loop whose receive
 * then says EAGAIN. Raw system calls and a buffer on the stack: nothing is
 * allocated, and it is as async-signal-safe as the rest of the slow path. */
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

static void track(const struct cs_epoll_reg *reg, void *epfd)
{
	struct cs_fdinfo info;
	cs_fdinfo_get(reg->fd, &info);
	if (info.kind != CS_FD_NOT_SOCKET)
		cs_hold_epoll_learned(*(int *)epfd, reg);
}

static void read_registrations(int epfd)
{
	static const char dir[] = "/proc/self/fdinfo/";
	char path[sizeof dir + 12], digits[12];
	int n = 0;
	for (unsigned v = (unsigned)epfd; n == 0 || v; v /= 10)
		digits[n++] = (char)('0' + v % 10);
	memcpy(path, dir, sizeof dir - 1);
	for (int i = 0; i < n; i++)
		path[sizeof dir - 1 + i] = digits[n - 1 - i];
	path[sizeof dir - 1 + n] = '\0';

	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	struct cs_epoll_fdinfo parser = {0};
	char buf[1024];
	for (;;) {
		ssize_t got = syscall(SYS_read, fd, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		cs_epoll_fdinfo_feed(&parser, buf, (size_t)got, track, &epfd);
	}
	cs_epoll_fdinfo_feed(&parser, buf, 0, track, &epfd);
	syscall(SYS_close, fd);
}

void cs_epoll_learn(int epfd)
{
	if (!cs_seg)
		return;
	uint64_t state =
		__atomic_load_n(&cs_seg->hdr.generation, __ATOMIC_ACQUIRE) + 1;
	struct cs_hold *e = cs_hold_slot(epfd, false);
	if (e && __atomic_load_n(&e->regs_read, __ATOMIC_ACQUIRE) == state)
		return;
	e = cs_hold_lock(epfd, true);
	if (!e)
		return;
	bool stale = e->regs_read != state;
	/* Marked before reading: another thread's wait does not read too. */
	__atomic_store_n(&e->regs_read, state, __ATOMIC_RELEASE);
	cs_hold_unlock(e, cs_now_ns());
	if (stale) {
		int saved = errno;
		read_registrations(epfd);
		errno = saved;
	}
}
