/* Prints what errno is after one call of every intercepted function, in a
 * fixed order, so a run under the shim (with rules that match nothing) can
 * be compared line by line with a run without it. A successful call should
 * leave errno at the sentinel; a failing one prints the errno it set. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define SENTINEL 4242

static int failures;

/* One line per call: its name, ok or failed, and errno afterwards. */
static void report(const char *name, long rc, int fails_when)
{
	int e = errno;
	const char *state = rc == fails_when ? "failed" : "ok";
	if (e == SENTINEL)
		printf("%-14s %-6s errno=sentinel\n", name, state);
	else
		printf("%-14s %-6s errno=%s\n", name, state, strerrorname_np(e));
	if (rc != fails_when && e != SENTINEL)
		failures++;
}

#define CALL(name, expr, fails_when)                                           \
	do {                                                                   \
		errno = SENTINEL;                                              \
		long rc_ = (long)(expr);                                       \
		report(name, rc_, fails_when);                                 \
	} while (0)

int main(void)
{
	char buf[64] = "0123456789";
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof addr;
	signal(SIGPIPE, SIG_IGN); /* sendfile to an unconnected socket: EPIPE */
	int lst = socket(AF_INET, SOCK_STREAM, 0);
	if (lst < 0 || bind(lst, (struct sockaddr *)&addr, sizeof addr) < 0 ||
	    listen(lst, 8) < 0 ||
	    getsockname(lst, (struct sockaddr *)&addr, &len) < 0) {
		perror("listener");
		return 2;
	}
	int c1 = socket(AF_INET, SOCK_STREAM, 0), c2 = socket(AF_INET, SOCK_STREAM, 0);
	CALL("connect", connect(c1, (struct sockaddr *)&addr, sizeof addr), -1);
	CALL("connect", connect(c2, (struct sockaddr *)&addr, sizeof addr), -1);
	int s1, s2;
	CALL("accept", s1 = accept(lst, NULL, NULL), -1);
	CALL("accept4", s2 = accept4(lst, NULL, NULL, SOCK_CLOEXEC), -1);
	struct iovec iov = {.iov_base = buf, .iov_len = 4};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	CALL("send", send(c1, buf, 4, 0), -1);
	CALL("sendto", sendto(c1, buf, 4, 0, NULL, 0), -1);
	CALL("sendmsg", sendmsg(c1, &msg, 0), -1);
	CALL("write", write(c1, buf, 4), -1);
	CALL("writev", writev(c1, &iov, 1), -1);
	usleep(50000); /* all 20 bytes arrive */
	CALL("recv", recv(s1, buf, 4, 0), -1);
	CALL("recvfrom", recvfrom(s1, buf, 4, 0, NULL, NULL), -1);
	CALL("recvmsg", recvmsg(s1, &msg, 0), -1);
	CALL("read", read(s1, buf, 4), -1);
	CALL("readv", readv(s1, &iov, 1), -1);
	struct timespec ts;
	struct timeval tv;
	CALL("clock_gettime", clock_gettime(CLOCK_REALTIME, &ts), -1);
	CALL("clock_gettime", clock_gettime(CLOCK_MONOTONIC, &ts), -1);
	CALL("gettimeofday", gettimeofday(&tv, NULL), -1);
	CALL("time", time(NULL), -1);
	CALL("timespec_get", timespec_get(&ts, TIME_UTC), 0);
	struct addrinfo *res = NULL;
	struct addrinfo hints = {.ai_family = AF_INET, .ai_flags = AI_NUMERICHOST};
	CALL("getaddrinfo", getaddrinfo("127.0.0.1", "80", &hints, &res), -1);
	if (res)
		freeaddrinfo(res);
	int sv[2];
	CALL("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv), -1);
	CALL("dup2", dup2(sv[0], 50), -1);
	CALL("dup3", dup3(sv[1], 51, O_CLOEXEC), -1);
	CALL("close", close(50), -1);
	CALL("close", close(51), -1);

	/* The readiness calls, the copies, the batches, the closes of ranges
	 * and the signal calls. */
	struct pollfd pfd = {.fd = c1, .events = POLLOUT};
	CALL("poll", poll(&pfd, 1, 0), -1);
	struct timespec zero = {0};
	CALL("ppoll", ppoll(&pfd, 1, &zero, NULL), -1);
	fd_set set;
	FD_ZERO(&set);
	FD_SET(c1, &set);
	struct timeval tv0 = {0};
	CALL("select", select(c1 + 1, NULL, &set, NULL, &tv0), -1);
	CALL("pselect", pselect(c1 + 1, NULL, &set, NULL, &zero, NULL), -1);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLOUT, .data.fd = c1};
	CALL("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, c1, &ev), -1);
	CALL("epoll_wait", epoll_wait(ep, &ev, 1, 0), -1);
	CALL("epoll_pwait", epoll_pwait(ep, &ev, 1, 0, NULL), -1);
	CALL("epoll_pwait2", epoll_pwait2(ep, &ev, 1, &zero, NULL), -1);
	int nr = 0;
	CALL("ioctl", ioctl(s1, FIONREAD, &nr), -1);
	int pipe_fds[2];
	if (pipe(pipe_fds) < 0)
		return 2;
	int file = open("/proc/self/exe", O_RDONLY);
	CALL("sendfile", sendfile(c1, file, NULL, 4), -1);
	CALL("splice", splice(file, NULL, pipe_fds[1], NULL, 4, 0), -1);
	CALL("splice", splice(pipe_fds[0], NULL, c1, NULL, 4, 0), -1);
	struct mmsghdr mm = {.msg_hdr = msg};
	CALL("sendmmsg", sendmmsg(c1, &mm, 1, 0), -1);
	usleep(50000);
	CALL("recvmmsg", recvmmsg(s1, &mm, 1, MSG_DONTWAIT, NULL), -1);
	int copy_to = dup2(pipe_fds[1], 60);
	(void)copy_to;
	CALL("close_range", close_range(60, 60, 0), -1);
	struct sigaction sa = {.sa_handler = SIG_DFL}, old;
	CALL("sigaction", sigaction(SIGBUS, &sa, &old), -1);
	CALL("signal", signal(SIGBUS, SIG_DFL) == SIG_ERR, 1);
	int ended = socket(AF_INET, SOCK_STREAM, 0);
	connect(ended, (struct sockaddr *)&addr, sizeof addr);
	CALL("shutdown", shutdown(ended, SHUT_WR), -1);
	dup2(pipe_fds[1], 61);
	errno = SENTINEL;
	closefrom(61);
	report("closefrom", 0, -1);

	/* Failing calls: errno must be the one the real call set. */
	int closed = socket(AF_INET, SOCK_STREAM, 0);
	CALL("socket", socket(-1, SOCK_STREAM, 0), -1);
	CALL("connect", connect(closed, (struct sockaddr *)&addr, 3), -1);
	CALL("accept", accept(c2, NULL, NULL), -1);
	CALL("send", send(closed, buf, 4, MSG_NOSIGNAL), -1);
	CALL("sendto", sendto(-1, buf, 4, 0, NULL, 0), -1);
	CALL("write", write(-1, buf, 4), -1);
	fcntl(s2, F_SETFL, O_NONBLOCK);
	CALL("recv", recv(s2, buf, 4, 0), -1);
	CALL("read", read(s2, buf, 4), -1);
	CALL("readv", readv(-1, &iov, 1), -1);
	CALL("recvmsg", recvmsg(closed, &msg, 0), -1);
	CALL("clock_gettime", clock_gettime((clockid_t)12345, &ts), -1);
	CALL("close", close(-1), -1);
	CALL("dup2", dup2(-1, 52), -1);
	volatile nfds_t too_many = (nfds_t)1 << 30; /* EINVAL */
	if (!getenv("CS_SANITIZER")) /* their poll reads the whole count */
		CALL("poll", poll(&pfd, too_many, 0), -1);
	CALL("select", select(-1, NULL, NULL, NULL, &tv0), -1);
	CALL("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, c1, &ev), -1);
	CALL("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_MOD, closed, &ev), -1);
	CALL("epoll_wait", epoll_wait(ep, &ev, 0, 0), -1);
	CALL("epoll_pwait2", epoll_pwait2(-1, &ev, 1, &zero, NULL), -1);
	CALL("sendfile", sendfile(closed, file, NULL, 4), -1);
	CALL("splice", splice(-1, NULL, pipe_fds[1], NULL, 4, 0), -1);
	CALL("copy_file_range", copy_file_range(file, NULL, -1, NULL, 4, 0), -1);
	CALL("sendmmsg", sendmmsg(closed, &mm, 1, MSG_NOSIGNAL), -1);
	CALL("recvmmsg", recvmmsg(s2, &mm, 1, MSG_DONTWAIT, NULL), -1);
	CALL("close_range", close_range(9, 3, 0), -1);
	CALL("sigaction", sigaction(SIGKILL, &sa, NULL), -1);
	CALL("signal", signal(-1, SIG_DFL) == SIG_ERR, 1);
	CALL("ioctl", ioctl(-1, FIONREAD, &nr), -1);
	CALL("shutdown", shutdown(closed, SHUT_RDWR), -1);
	printf("successful calls that changed errno: %d\n", failures);
	return failures != 0;
}
