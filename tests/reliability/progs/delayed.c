/* Delayed sockets under load: THREADS client threads stream a pattern to
 * an echo server in this process over non-blocking TCP connections, read
 * through their own epoll set, a poll loop, or one epoll set shared by two
 * threads, while the shim delays, paces and holds back their sends,
 * receives and accepts (and its helper thread flushes delayed sends); half
 * way a child is forked that does the same with its own connections.
 * Meanwhile numbered records go over a unix datagram socketpair from a
 * non-blocking sender to a blocking reader. Every byte must come back
 * once, in order, every record arrive once, in order; the test's time
 * limit catches a deadlock. Prints "ok BYTES" (each process) and exits 0.
 * With "high", each client's socket is moved to fd 17000 + its seed first
 * (past the shim's first table of 16384 fds; RLIMIT_NOFILE must allow it).
 * Usage: delayed THREADS BYTES [nofork] [high] */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

static struct sockaddr_in server;
static size_t total;
static bool high; /* client sockets on fds from HIGH_FD on */

#define HIGH_FD 17000

static void die(const char *what)
{
	fprintf(stderr, "delayed: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned char pattern(size_t i, int seed)
{
	return (unsigned char)((i * 7 + (size_t)seed * 13) % 251);
}

/* The server side: one thread per connection, blocking, echoes. */
static void *echo(void *arg)
{
	int fd = (int)(long)arg;
	char buf[8192];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = send(fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
			if (w < 0 && errno != EINTR && errno != EAGAIN)
				goto out;
			off += w > 0 ? w : 0;
		}
	}
out:
	close(fd);
	return NULL;
}

static void *acceptor(void *arg)
{
	int lfd = (int)(long)arg;
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
				continue;
			return NULL;
		}
		pthread_t t;
		pthread_create(&t, NULL, echo, (void *)(long)c);
		pthread_detach(t);
	}
}

enum way { OWN_EPOLL, POLL, SHARED_EPOLL };

struct client {
	int seed;
	enum way way;
	int epfd; /* SHARED_EPOLL: the set shared with another thread */
};

/* Waits until fd is ready for what `want` says (EPOLLIN/EPOLLOUT bits). */
static void wait_ready(const struct client *c, int fd, int own, uint32_t want)
{
	if (c->way == POLL) {
		struct pollfd p = {.fd = fd, .events = (short)want};
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			die("poll");
		return;
	}
	int ep = c->way == SHARED_EPOLL ? c->epfd : own;
	struct epoll_event ev = {.events = want | EPOLLONESHOT, .data.fd = fd};
	if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) < 0)
		die("epoll_ctl mod");
	struct epoll_event got[4];
	/* A shared set may wake this thread for the other one's socket:
	 * that is fine, both loops try their own socket again. */
	if (epoll_wait(ep, got, 4, 100) < 0 && errno != EINTR)
		die("epoll_wait");
}

static void *client(void *arg)
{
	const struct client *c = arg;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		die("socket");
	if (high) {
		if (dup2(fd, HIGH_FD + c->seed) < 0)
			die("dup2 to a high fd");
		close(fd);
		fd = HIGH_FD + c->seed;
	}
	if (connect(fd, (struct sockaddr *)&server, sizeof server) < 0 &&
	    errno != EINPROGRESS)
		die("connect");
	int own = epoll_create1(0);
	int ep = c->way == SHARED_EPOLL ? c->epfd : own;
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLONESHOT, .data.fd = fd};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl add");
	unsigned char out[4096], in[4096];
	size_t sent = 0, got = 0;
	int err = 0;
	socklen_t len = sizeof err;
	wait_ready(c, fd, own, EPOLLOUT);
	while (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && !err) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		if (poll(&p, 1, 0) > 0)
			break; /* connected */
		wait_ready(c, fd, own, EPOLLOUT);
	}
	if (err) {
		errno = err;
		die("connect (SO_ERROR)");
	}
	while (got < total) {
		if (sent < total) {
			size_t n = 1 + (size_t)rand() % sizeof out;
			if (n > total - sent)
				n = total - sent;
			for (size_t i = 0; i < n; i++)
				out[i] = pattern(sent + i, c->seed);
			ssize_t w = send(fd, out, n, MSG_NOSIGNAL);
			if (w > 0)
				sent += (size_t)w;
			else if (errno != EAGAIN && errno != EINTR)
				die("send");
		}
		ssize_t r = recv(fd, in, sizeof in, 0);
		if (r == 0) {
			fprintf(stderr, "delayed: early EOF at %zu of %zu\n", got, total);
			exit(1);
		}
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			die("recv");
		for (ssize_t i = 0; i < r; i++)
			if (in[i] != pattern(got + (size_t)i, c->seed)) {
				fprintf(stderr, "delayed: byte %zu differs\n", got + (size_t)i);
				exit(1);
			}
		got += r > 0 ? (size_t)r : 0;
		if (r < 0)
			wait_ready(c, fd, own, sent < total ? EPOLLIN | EPOLLOUT : EPOLLIN);
	}
	close(fd);
	close(own);
	return NULL;
}

#define RECORDS 5000

static void *record_reader(void *arg)
{
	int fd = (int)(long)arg;
	for (unsigned want = 0; want < RECORDS; want++) {
		unsigned got;
		ssize_t n = recv(fd, &got, sizeof got, 0);
		if (n < 0 && errno == EINTR) {
			want--;
			continue;
		}
		if (n != (ssize_t)sizeof got || got != want) {
			fprintf(stderr, "delayed: record %u arrived as %u (%zd bytes)\n",
				want, got, n);
			exit(1);
		}
	}
	return NULL;
}

/* Sends the numbered records, waiting for room when the socket is full. */
static void *record_sender(void *arg)
{
	int fd = (int)(long)arg;
	for (unsigned i = 0; i < RECORDS;) {
		if (send(fd, &i, sizeof i, 0) == (ssize_t)sizeof i) {
			i++;
			continue;
		}
		if (errno != EAGAIN && errno != EINTR)
			die("send record");
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			die("poll record");
	}
	return NULL;
}

static void run_clients(int threads, int seed0)
{
	int rec[2];
	pthread_t reader, sender;
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, rec) < 0 ||
	    fcntl(rec[0], F_SETFL, O_NONBLOCK) < 0)
		die("socketpair");
	pthread_create(&reader, NULL, record_reader, (void *)(long)rec[1]);
	pthread_create(&sender, NULL, record_sender, (void *)(long)rec[0]);
	pthread_t t[64];
	struct client c[64];
	int shared = epoll_create1(0);
	for (int i = 0; i < threads; i++) {
		c[i] = (struct client){.seed = seed0 + i, .way = (enum way)(i % 3),
				       .epfd = shared};
		pthread_create(&t[i], NULL, client, &c[i]);
	}
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	pthread_join(sender, NULL);
	pthread_join(reader, NULL);
	close(rec[0]);
	close(rec[1]);
	close(shared);
	printf("ok %zu\n", total * (size_t)threads);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	bool forks = true;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "nofork"))
			forks = false;
		else if (!strcmp(argv[i], "high"))
			high = true;
		else
			return 2;
	}
	int threads = atoi(argv[1]);
	total = (size_t)atol(argv[2]);
	if (threads < 1 || threads > 64)
		return 2;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	server.sin_family = AF_INET;
	server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof server;
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&server, sizeof server) < 0 ||
	    listen(lfd, 128) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&server, &len) < 0)
		die("listen");
	pthread_t acc;
	pthread_create(&acc, NULL, acceptor, (void *)(long)lfd);
	pid_t child = forks ? fork() : 1;
	if (child < 0)
		die("fork");
	run_clients(child ? threads : 2, child ? 0 : 100);
	if (!child)
		_exit(0);
	int status = 0;
	if (forks && (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) ||
		      WEXITSTATUS(status))) {
		fprintf(stderr, "delayed: the forked child failed (status %d)\n", status);
		return 1;
	}
	return 0;
}
