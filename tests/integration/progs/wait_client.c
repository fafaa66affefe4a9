/* Reads a server's answer on a non-blocking socket, waiting for it with
 * one of the readiness calls, and prints how it went:
 *   ok ms=MS waits=N       the answer came after MS ms and N waits
 *   timeout ms=MS          the wait's own TIMEOUT_MS ran out first
 * Usage: wait_client PORT poll|ppoll|select|pselect|epoll_wait|epoll_pwait|epoll_pwait2 TIMEOUT_MS [FD]
 * With FD, the socket is moved to that number first (dup2). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Waits up to ms for fd to be readable with the named call: 1 ready, 0
 * timed out. */
static int wait_readable(const char *how, int fd, int ep, int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	struct pollfd p = {.fd = fd, .events = POLLIN};
	struct epoll_event ev;
	fd_set r;
	FD_ZERO(&r);
	FD_SET(fd, &r);
	int n = -1;
	if (!strcmp(how, "poll"))
		n = poll(&p, 1, ms);
	else if (!strcmp(how, "ppoll"))
		n = ppoll(&p, 1, &ts, NULL);
	else if (!strcmp(how, "select"))
		n = select(fd + 1, &r, NULL, NULL, &tv);
	else if (!strcmp(how, "pselect"))
		n = pselect(fd + 1, &r, NULL, NULL, &ts, NULL);
	else if (!strcmp(how, "epoll_wait"))
		n = epoll_wait(ep, &ev, 1, ms);
	else if (!strcmp(how, "epoll_pwait"))
		n = epoll_pwait(ep, &ev, 1, ms, NULL);
	else if (!strcmp(how, "epoll_pwait2"))
		n = epoll_pwait2(ep, &ev, 1, &ts, NULL);
	if (n < 0) {
		perror(how);
		exit(1);
	}
	return n > 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5)
		return 2;
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((unsigned short)atoi(argv[1])),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (argc == 5) {
		int high = atoi(argv[4]);
		if (dup2(fd, high) < 0)
			return perror("dup2"), 1;
		close(fd);
		fd = high;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS)
		return perror("connect"), 1;
	struct pollfd w = {.fd = fd, .events = POLLOUT};
	poll(&w, 1, 5000);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	const char *req = "GET / HTTP/1.0\r\n\r\n";
	send(fd, req, strlen(req), 0);
	int timeout = atoi(argv[3]), waits = 0;
	double start = now_ms();
	char buf[4096];
	for (;;) {
		int left = timeout - (int)(now_ms() - start);
		if (left <= 0 || !wait_readable(argv[2], fd, ep, left)) {
			printf("timeout ms=%.0f\n", now_ms() - start);
			return 0;
		}
		waits++;
		if (recv(fd, buf, sizeof buf, 0) > 0)
			break;
		if (errno != EAGAIN)
			return perror("recv"), 1;
	}
	printf("ok ms=%.0f waits=%d\n", now_ms() - start, waits);
	return 0;
}
