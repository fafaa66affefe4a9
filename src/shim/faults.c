/* Making decisions real: sleeping, resetting a connection so the peer sees
 * an RST, raising a signal, waiting like a blackhole or a slow peer (the
 * one wait of every blocking socket call), cutting data short. Everything
 * here is async-signal-safe and calls only real functions. */
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

uint64_t cs_now_ns(void)
{
	struct timespec ts;
	cs_real_clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * CS_NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void sleep_to(uint64_t end)
{
	struct timespec deadline = {.tv_sec = (time_t)(end / 1000000000ull),
				    .tv_nsec = (long)(end % 1000000000ull)};
	/* Absolute time, so a signal handler in between does not stretch it. */
	while (syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME,
		       &deadline, NULL) != 0 &&
	       errno == EINTR)
		;
}

/* Aimed before the timer slack, so that it ends at end rather than up to
 * the slack later; the rest as is when it woke early. */
static void sleep_until(uint64_t end)
{
	int saved = errno;
	uint64_t aim = cs_sleep_aim(end, cs_now_ns());
	sleep_to(aim);
	if (aim != end && cs_now_ns() < end)
		sleep_to(end);
	errno = saved;
}

void cs_sleep_ns(uint64_t ns)
{
	if (ns)
		sleep_until(cs_deadline_add(cs_now_ns(), ns));
}

/* The socket's own timeout for a direction, in ns; 0 when it has none. */
static uint64_t socket_timeout_ns(int fd, int timeout_opt)
{
	int saved = errno;
	struct timeval tv = {0};
	socklen_t len = sizeof tv;
	uint64_t ns = 0;
	if (cs_real_getsockopt(fd, SOL_SOCKET, timeout_opt, &tv, &len) == 0)
		ns = (uint64_t)tv.tv_sec * CS_NS_PER_S +
		     (uint64_t)tv.tv_usec * 1000ull;
	errno = saved;
	return ns;
}

int cs_wait_blocking(int fd, int timeout_opt, uint64_t until)
{
	uint64_t now = cs_now_ns();
	if (until == CS_NEVER)
		until = cs_deadline_add(now, CS_DEFAULT_HANG_MS * CS_NS_PER_MS);
	uint64_t limit = socket_timeout_ns(fd, timeout_opt);
	if (limit && cs_deadline_add(now, limit) < until) {
		sleep_until(now + limit);
		errno = EAGAIN;
		return -1;
	}
	sleep_until(until);
	return 0;
}

int cs_blackhole(int fd, int timeout_opt, bool nonblocking, uint64_t until)
{
	if (nonblocking)
		errno = EAGAIN;
	else if (cs_wait_blocking(fd, timeout_opt, until) == 0)
		errno = ETIMEDOUT;
	return -1;
}

uint64_t cs_hang_until(uint32_t hang_ms, uint64_t now)
{
	return hang_ms ? cs_deadline_add(now, hang_ms * CS_NS_PER_MS) : CS_NEVER;
}

void cs_reset_socket(int fd, const struct cs_fdinfo *info)
{
	cs_socket_reset(fd, info->kind == CS_FD_TCP);
}

void cs_raise(int sig)
{
	int saved = errno;
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
	errno = saved;
}

bool cs_nonblocking(int fd, int flags)
{
	if (flags & MSG_DONTWAIT)
		return true;
	int saved = errno;
	int fl = fcntl(fd, F_GETFL);
	errno = saved;
	return fl >= 0 && (fl & O_NONBLOCK);
}

int cs_apply_common(const struct cs_action *action)
{
	cs_sleep_ns(action->delay_ns);
	return cs_apply_signal(action);
}

int cs_apply_signal(const struct cs_action *action)
{
	if (action->terminal == CS_FAULT_KILL) {
		cs_raise(action->signal);
		return -1; /* a handled signal lets the call go on */
	}
	return action->terminal;
}

size_t cs_iov_total(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	return total;
}

int cs_iov_truncate(const struct iovec *iov, int iovcnt, size_t max,
		    struct iovec *out, int outcap)
{
	int n = 0;
	for (int i = 0; i < iovcnt && n < outcap && max; i++) {
		if (!iov[i].iov_len)
			continue;
		out[n] = iov[i];
		if (out[n].iov_len > max)
			out[n].iov_len = max;
		max -= out[n].iov_len;
		n++;
	}
	return n;
}
