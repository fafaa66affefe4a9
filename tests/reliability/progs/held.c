/* Attacks on what the shim holds back on non-blocking sockets, as a
 * hostile or merely unusual program makes them. One attack a run; each
 * prints what the program saw as one line "ATTACK: ..." that the test
 * compares with what a real slow network gives (the same run without the
 * shim, or the kernel's own answer). The connection is a loopback TCP pair
 * in this process: `c` is the client end, `s` the server's accepted end.
 * Usage: held ATTACK [CMD ARG...] (see main) */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int c, s;

static void die(const char *what)
{
	fprintf(stderr, "held: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The server writes a byte; the client's first recv sees it arrive and,
 * under a recv latency, gets EAGAIN: from then on the byte is held. */
static int send_held(void)
{
	char b;
	send(s, "x", 1, 0);
	usleep(20000);
	return recv(c, &b, 1, 0) < 0 && errno == EAGAIN;
}

static void connect_pair(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, len) ||
	    listen(l, 4) || getsockname(l, (struct sockaddr *)&a, &len))
		die("listen");
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, len))
		die("connect");
	s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	close(l);
	fcntl(c, F_SETFL, O_NONBLOCK);
}

/* A second listening socket on loopback (type adds flags), its address
 * in *a. */
static int listener(struct sockaddr_in *a, int type)
{
	socklen_t len = sizeof *a;
	*a = (struct sockaddr_in){.sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int l = socket(AF_INET, SOCK_STREAM | type, 0);
	if (l < 0 || bind(l, (struct sockaddr *)a, len) || listen(l, 256) ||
	    getsockname(l, (struct sockaddr *)a, &len))
		die("listen");
	return l;
}

/* Runs argv and waits for it. */
static void run(char **argv)
{
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
}

/* Data held on c by a recv latency; the command given (a live disable,
 * pause, set or destroy) runs; how long until epoll, then poll, say c is
 * readable? A real network shows data that arrived; a held one must show
 * it once the rule that held it is gone, not never. */
static int attack_toggle(char **cmd)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = c}, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
	send_held();
	int early = epoll_wait(ep, &out, 1, 300); /* held: 0 */
	run(cmd);
	double t0 = now_ms();
	int n = epoll_wait(ep, &out, 1, 3000);
	double t_epoll = now_ms() - t0;
	struct pollfd p = {.fd = c, .events = POLLIN};
	t0 = now_ms();
	int m = poll(&p, 1, 3000);
	char b;
	printf("toggle: held %d, epoll %d after %.0f ms, poll %d after %.0f ms, recv %zd\n",
	       early, n, t_epoll, m, now_ms() - t0, recv(c, &b, 1, 0));
	return 0;
}

/* A send queued by a send latency, then the command (a live disable...),
 * then another send: the peer gets both, in order, as TCP gives them. */
static int attack_toggle_send(char **cmd)
{
	send(c, "A", 1, 0);
	run(cmd);
	send(c, "B", 1, 0);
	struct timeval tv = {.tv_sec = 2};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	char got[3] = "";
	for (size_t n = 0; n < 2;) {
		ssize_t r = recv(s, got + n, 2 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	printf("toggle-send: peer got \"%s\"\n", got);
	return 0;
}

/* errno after the readiness calls while c holds data back (their slow
 * paths): successes leave it alone, failures set the kernel's. */
static int attack_errnos(void)
{
	send_held();
	int ep = epoll_create1(0), other = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = c};
	struct pollfd p = {.fd = c, .events = POLLIN};
	struct timespec zero = {0};
	struct timeval tv0 = {0};
	fd_set r;
	FD_ZERO(&r);
	FD_SET(c, &r);
	volatile nfds_t too_many = (nfds_t)1 << 30;
	int idle = socket(AF_INET, SOCK_STREAM, 0);
	struct {
		const char *name;
		int rc;
	} calls[32];
	int n = 0, e[32];
#define TRY(call)                                                              \
	do {                                                                   \
		errno = 4242;                                                  \
		calls[n].name = #call;                                         \
		calls[n].rc = (call) < 0 ? -1 : 0;                             \
		e[n++] = errno;                                                \
	} while (0)
	TRY(epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev));
	TRY(epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev));
	TRY(epoll_ctl(ep, EPOLL_CTL_MOD, c, &ev));
	TRY(epoll_ctl(ep, EPOLL_CTL_MOD, idle, &ev));
	TRY(epoll_ctl(other, EPOLL_CTL_DEL, c, NULL));
	TRY(epoll_wait(ep, &ev, 1, 0));
	TRY(epoll_wait(ep, &ev, 0, 0));
	TRY(epoll_wait(idle, &ev, 1, 0));
	TRY(epoll_pwait2(ep, &ev, 1, &zero, NULL));
	TRY(poll(&p, 1, 0));
	if (!getenv("CS_SANITIZER")) /* their poll reads the whole count */
		TRY(poll(&p, too_many, 0));
	TRY(ppoll(&p, 1, &zero, NULL));
	TRY(select(c + 1, &r, NULL, NULL, &tv0));
	TRY(select(-1, &r, NULL, NULL, &tv0));
	TRY(pselect(c + 1, &r, NULL, NULL, &zero, NULL));
	TRY(epoll_ctl(ep, EPOLL_CTL_DEL, c, NULL));
	TRY(epoll_ctl(ep, EPOLL_CTL_DEL, c, NULL));
	for (int i = 0; i < n; i++)
		printf("errnos: %-45s %s\n", calls[i].name,
		       e[i] == 4242 ? "errno untouched" : strerrorname_np(e[i]));
	return 0;
}

/* Forks, FORKS times, while the flusher puts the parent's queued bytes on
 * the wire (and may hold a socket's lock); each child queues a delayed
 * send of its own on a new connection and exits. No child hangs, and
 * every byte of the parent's and the children's arrives. */
static void *drain(void *arg)
{
	int fd = (int)(long)arg;
	static char buf[1 << 16];
	size_t got = 0;
	ssize_t n;
	while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
		got += (size_t)n;
	return (void *)got;
}

static int attack_fork_flusher(int forks)
{
	struct sockaddr_in a;
	int l = listener(&a, 0);
	pthread_t reader;
	pthread_create(&reader, NULL, drain, (void *)(long)s);
	static char buf[4096];
	memset(buf, 'p', sizeof buf);
	size_t sent = 0, child_bytes = 0;
	int hung = 0;
	for (int i = 0; i < forks; i++) {
		ssize_t n = send(c, buf, sizeof buf, 0);
		sent += n > 0 ? (size_t)n : 0;
		pid_t pid = fork();
		if (pid == 0) {
			int k = socket(AF_INET, SOCK_STREAM, 0);
			if (connect(k, (struct sockaddr *)&a, sizeof a))
				_exit(3);
			fcntl(k, F_SETFL, O_NONBLOCK);
			exit(send(k, buf, 100, 0) == 100 ? 0 : 4);
		}
		int peer = accept(l, NULL, NULL);
		int status = -1;
		for (int w = 0; w < 500 && waitpid(pid, &status, WNOHANG) == 0; w++)
			usleep(10000);
		if (status == -1) {
			hung++;
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
		struct timeval tv = {.tv_sec = 2};
		setsockopt(peer, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		child_bytes += (size_t)drain((void *)(long)peer);
		close(peer);
	}
	usleep(800000); /* the last bytes are due */
	shutdown(c, SHUT_WR);
	void *got;
	pthread_join(reader, &got);
	printf("fork-flusher: %d hung, parent %s, children %s\n", hung,
	       (size_t)got == sent ? "every byte" : "bytes missing",
	       child_bytes == (size_t)forks * 100 ? "every byte" : "bytes missing");
	return 0;
}

/* Threads cancelled in epoll_wait, poll and recv loops on c, before and
 * after its held data comes due: afterwards the main thread sees the
 * data, closes c, and forks (no lock of the shim left taken). */
static int cancel_ep;

static void *wait_loop(void *arg)
{
	struct epoll_event out;
	struct pollfd p = {.fd = c, .events = POLLIN};
	char b;
	for (int how = (int)(long)arg;;) {
		if (how == 0)
			epoll_wait(cancel_ep, &out, 1, -1);
		else if (how == 1)
			poll(&p, 1, -1);
		else /* answered from the hold, recv may not enter the kernel */
			recv(c, &b, 1, MSG_PEEK), pthread_testcancel();
	}
	return NULL;
}

static int attack_cancel(int rounds)
{
	cancel_ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = c};
	epoll_ctl(cancel_ep, EPOLL_CTL_ADD, c, &ev);
	send_held();
	double t0 = now_ms();
	for (int r = 0; r < rounds || now_ms() - t0 < 1500; r++) {
		pthread_t t[6];
		for (int i = 0; i < 6; i++)
			pthread_create(&t[i], NULL, wait_loop, (void *)(long)(i % 3));
		usleep(2000);
		for (int i = 0; i < 6; i++)
			pthread_cancel(t[i]);
		for (int i = 0; i < 6; i++)
			pthread_join(t[i], NULL);
	}
	t0 = now_ms();
	struct epoll_event out;
	int n = epoll_wait(cancel_ep, &out, 1, 5000);
	double waited = now_ms() - t0;
	close(c);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	int status = -1;
	for (int w = 0; w < 500 && waitpid(pid, &status, WNOHANG) == 0; w++)
		usleep(10000);
	printf("cancel: data %s, close returned, fork %s\n",
	       n == 1 && waited < 1000 ? "seen" : "not seen",
	       status == 0 ? "ok" : "hung");
	return 0;
}

/* A non-blocking connect under a connect latency (EINPROGRESS), closed
 * before it is due; a new socket gets the number and connects (the rule
 * lets it through: count = 1): it is writable at once, not when the old
 * one would have been. */
static int attack_connect_close(void)
{
	struct sockaddr_in a;
	listener(&a, 0); /* stays open: the connects reach it */
	int k = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int rc = connect(k, (struct sockaddr *)&a, sizeof a);
	int err = errno;
	close(k);
	int k2 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int rc2 = connect(k2, (struct sockaddr *)&a, sizeof a);
	struct pollfd p = {.fd = k2, .events = POLLOUT};
	double t0 = now_ms();
	int n = poll(&p, 1, 3000);
	printf("connect-close: first %s, same number %s, second %s, writable %d %s\n",
	       rc < 0 && err == EINPROGRESS ? "EINPROGRESS" : "other",
	       k2 == k ? "yes" : "no",
	       rc2 == 0 || errno == EINPROGRESS ? "under way" : "failed", n,
	       now_ms() - t0 < 1000 ? "at once" : "late");
	return 0;
}

/* A thread waits in poll and another in epoll_wait on c (held 1 s); the
 * main thread dup2s another socket, with data ready, onto c's number.
 * The waits end (the kernel reports the old file's events or the new
 * one's), nothing hangs, and a recv on the number reads the new socket. */
static void *poll_c(void *arg)
{
	(void)arg;
	struct pollfd p = {.fd = c, .events = POLLIN};
	return (void *)(long)poll(&p, 1, 3000);
}

static int attack_dup_wait(void)
{
	int pair[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
	send(pair[1], "n", 1, 0);
	send_held();
	pthread_t t;
	pthread_create(&t, NULL, poll_c, NULL);
	usleep(100000);
	dup2(pair[0], c);
	fcntl(c, F_SETFL, O_NONBLOCK);
	void *n;
	double t0 = now_ms();
	pthread_join(t, &n);
	char b = 0;
	ssize_t got = recv(c, &b, 1, 0);
	printf("dup-wait: wait ended %s, recv %zd '%c'\n",
	       now_ms() - t0 < 2500 ? "in time" : "late", got, got == 1 ? b : '-');
	return 0;
}

/* EPOLLEXCLUSIVE on a held socket: the event comes when due; a MOD of
 * the exclusive registration fails with EINVAL as in the kernel. */
static int attack_exclusive(void)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = c}, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
	send_held();
	int early = epoll_wait(ep, &out, 1, 200);
	errno = 0;
	int rc = epoll_ctl(ep, EPOLL_CTL_MOD, c, &ev);
	int err = errno;
	double t0 = now_ms();
	int n = epoll_wait(ep, &out, 1, 3000);
	printf("exclusive: early %d, mod %s, event %d %s\n", early,
	       rc < 0 ? strerrorname_np(err) : "succeeded", n,
	       now_ms() - t0 < 2000 ? "in time" : "late");
	return 0;
}

/* RLIMIT_NOFILE lowered to one fd more than the program has open, then
 * held data and sockets until none is left: the held data comes. */
static int attack_rlimit(void)
{
	int ep = epoll_create1(0);
	int top = ep > s ? ep : s; /* c < s */
	struct rlimit r = {.rlim_cur = (rlim_t)top + 2, .rlim_max = (rlim_t)top + 2};
	setrlimit(RLIMIT_NOFILE, &r);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = c}, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
	send_held();
	int more = socket(AF_INET, SOCK_STREAM, 0);
	int none = socket(AF_INET, SOCK_STREAM, 0);
	int n = epoll_wait(ep, &out, 1, 3000);
	char b;
	printf("rlimit: sockets %s, event %d, recv %zd\n",
	       more >= 0 && none < 0 ? "ran out" : "did not run out", n,
	       recv(c, &b, 1, 0));
	return 0;
}

/* A connection kept aside by a 5 s accept latency, then the command (a
 * live disable...): the listener is readable at once and accept hands the
 * connection over, as without the rule. */
static int attack_toggle_accept(char **cmd)
{
	struct sockaddr_in a;
	int l = listener(&a, SOCK_NONBLOCK);
	int k = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(k, (struct sockaddr *)&a, sizeof a))
		die("connect");
	usleep(20000);
	int early = accept(l, NULL, NULL); /* kept aside: EAGAIN */
	run(cmd);
	struct pollfd p = {.fd = l, .events = POLLIN};
	double t0 = now_ms();
	int n = poll(&p, 1, 3000);
	int conn = accept(l, NULL, NULL);
	printf("toggle-accept: first %s, readable %d %s, accepted %s\n",
	       early < 0 ? "kept aside" : "accepted", n,
	       now_ms() - t0 < 1000 ? "at once" : "late",
	       conn >= 0 ? "yes" : "no");
	return 0;
}

/* An epoll set shared with a forked child (the same kernel object): both
 * processes wait in it while c holds data, both see it when due; then a
 * second byte is held, and the parent's wait must again not report it
 * before it is due. */
static int attack_fork_epoll(void)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = c}, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
	send_held();
	pid_t pid = fork();
	if (pid == 0)
		_exit(epoll_wait(ep, &out, 1, 3000) == 1 ? 0 : 1);
	int n1 = epoll_wait(ep, &out, 1, 3000);
	usleep(300000); /* the child's wait sees the data too */
	char b[4];
	recv(c, b, sizeof b, 0);
	int status;
	waitpid(pid, &status, 0);
	send_held();
	double t0 = now_ms();
	int n2 = epoll_wait(ep, &out, 1, 3000);
	double waited = now_ms() - t0;
	printf("fork-epoll: parent %d, child %s, second byte %d %s\n", n1,
	       WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "saw it" : "did not see it",
	       n2, waited > 700 ? "after its delay" : "early");
	return 0;
}

/* libuv adds an fd that is still in its epoll set and takes EEXIST as
 * "modify instead": the second ADD must fail as the kernel's does, and
 * the shim must keep holding what it held. */
static int attack_eexist(void)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = c}, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
	epoll_wait(ep, &out, 1, 0); /* settles the registration */
	errno = 0;
	int rc = epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
	int err = errno;
	rc = rc < 0 ? -err : rc;
	epoll_ctl(ep, EPOLL_CTL_MOD, c, &ev);
	send_held();
	double t0 = now_ms();
	int n = epoll_wait(ep, &out, 1, 3000);
	printf("eexist: second add %s, readable %d after %s\n",
	       rc == -EEXIST ? "EEXIST" : rc < 0 ? strerror(-rc) : "succeeded", n,
	       now_ms() - t0 > 300 ? "the delay" : "no delay");
	return 0;
}

/* An epoll fd closed while the shim had taken c out of it, its number
 * reused by a new epoll set the program never put c in: c's event, with
 * the old set's data, must not appear there. */
static int attack_epfd_reuse(void)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0xdeadbeef}, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
	send_held();
	epoll_wait(ep, &out, 1, 100); /* held: c is out of the set */
	close(ep);
	int ep2 = epoll_create1(0);
	int n = epoll_wait(ep2, &out, 1, 1500);
	printf("epfd-reuse: same number %s, events in the new set %d%s\n",
	       ep2 == ep ? "yes" : "no", n,
	       n > 0 && out.data.u64 == 0xdeadbeef ? " (the old set's data)" : "");
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A signal (no SA_RESTART) arrives while a wait is cut short for held
 * data: the wait must end with EINTR, as without the shim. */
static int attack_eintr(const char *how)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	send_held();
	struct pollfd p = {.fd = c, .events = POLLIN};
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = c}, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
	struct itimerval it = {.it_value.tv_usec = 200000};
	setitimer(ITIMER_REAL, &it, NULL);
	double t0 = now_ms();
	int rc;
	/* Watches an idle socket, plus c in the way each call can. */
	int idle = socket(AF_INET, SOCK_STREAM, 0);
	if (!strcmp(how, "epoll")) {
		rc = epoll_wait(ep, &out, 1, 5000);
	} else if (!strcmp(how, "select")) {
		fd_set r;
		FD_ZERO(&r);
		FD_SET(c, &r);
		struct timeval tv = {.tv_sec = 5};
		rc = select(c + 1, &r, NULL, NULL, &tv);
	} else {
		rc = poll(&p, 1, 5000);
	}
	int err = errno;
	close(idle);
	printf("eintr-%s: %d %s after %s\n", how, rc, rc < 0 ? strerror(err) : "",
	       now_ms() - t0 < 1000 ? "the signal" : "the delay");
	return 0;
}

/* select with nfds above FD_SETSIZE and bitmaps sized for it, as some
 * programs allocate them: a socket above 1024 becomes readable (its peer
 * writes after 1.5 s) while c, below, holds data the shim delays by 1 s.
 * c is watched for exceptions only, so its due time ends a round of the
 * shortened wait with nothing to report, and the wait goes on. */
static int attack_select_big(void)
{
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair))
		die("socketpair");
	int high = dup2(pair[0], 1500);
	if (high < 0)
		die("dup2 1500 (RLIMIT_NOFILE?)");
	send_held();
	pid_t pid = fork();
	if (pid == 0) {
		usleep(1500000);
		send(pair[1], "y", 1, 0);
		_exit(0);
	}
	unsigned long r[2048 / (8 * sizeof(unsigned long))] = {0};
	unsigned long e[2048 / (8 * sizeof(unsigned long))] = {0};
	unsigned bits = 8 * sizeof(unsigned long);
	r[high / bits] |= 1ul << (high % bits);
	e[c / bits] |= 1ul << (c % bits);
	struct timeval tv = {.tv_sec = 4};
	double t0 = now_ms();
	int rc = select(high + 1, (fd_set *)r, NULL, (fd_set *)e, &tv);
	printf("select-big: %d, fd %d %s, after %s\n", rc, high,
	       r[high / bits] & (1ul << (high % bits)) ? "readable" : "not readable",
	       now_ms() - t0 < 3000 ? "its data" : "the timeout");
	waitpid(pid, NULL, 0);
	return 0;
}

/* Bytes accepted by a delayed send (as many as the socket takes, up to
 * 1 MB), then the sender ends its connection (close, shutdown), or the
 * program ends
 * (exit, _exit, exec) without another call: a real kernel still delivers
 * every byte it accepted. */
static int attack_end_queued(const char *how)
{
	int report[2];
	if (pipe(report))
		die("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(s);
		static char buf[1 << 20];
		memset(buf, 'z', sizeof buf);
		size_t total = 0;
		ssize_t n;
		while (total < sizeof buf &&
		       (n = send(c, buf + total, sizeof buf - total, 0)) > 0)
			total += (size_t)n;
		(void)!write(report[1], &total, sizeof total);
		if (!strcmp(how, "close") || !strcmp(how, "shutdown")) {
			if (how[0] == 'c')
				close(c);
			else
				shutdown(c, SHUT_WR);
			usleep(1500000); /* alive, but no further call */
			_exit(0);
		}
		if (!strcmp(how, "exec"))
			execl("/bin/true", "true", (char *)NULL);
		if (!strcmp(how, "_exit"))
			_exit(0);
		exit(0);
	}
	close(c);
	size_t total = 0;
	(void)!read(report[0], &total, sizeof total);
	usleep(500000); /* the sender's buffers fill up meanwhile */
	struct timeval tv = {.tv_sec = 3};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	size_t got = 0;
	static char buf[1 << 16];
	ssize_t n;
	while ((n = recv(s, buf, sizeof buf, 0)) > 0)
		got += (size_t)n;
	waitpid(pid, NULL, 0);
	printf("end-%s: peer got %s\n", how,
	       got == total ? "every byte" : "fewer bytes than were sent");
	if (got != total)
		fprintf(stderr, "end-%s: %zu of %zu\n", how, got, total);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	connect_pair();
	const char *a = argv[1];
	if (!strcmp(a, "toggle") && argc > 2)
		return attack_toggle(argv + 2);
	if (!strcmp(a, "toggle-accept") && argc > 2)
		return attack_toggle_accept(argv + 2);
	if (!strcmp(a, "toggle-send") && argc > 2)
		return attack_toggle_send(argv + 2);
	if (!strcmp(a, "fork-flusher"))
		return attack_fork_flusher(argc > 2 ? atoi(argv[2]) : 100);
	if (!strcmp(a, "cancel"))
		return attack_cancel(argc > 2 ? atoi(argv[2]) : 50);
	if (!strcmp(a, "connect-close"))
		return attack_connect_close();
	if (!strcmp(a, "dup-wait"))
		return attack_dup_wait();
	if (!strcmp(a, "exclusive"))
		return attack_exclusive();
	if (!strcmp(a, "rlimit"))
		return attack_rlimit();
	if (!strcmp(a, "fork-epoll"))
		return attack_fork_epoll();
	if (!strcmp(a, "errnos"))
		return attack_errnos();
	if (!strcmp(a, "eexist"))
		return attack_eexist();
	if (!strcmp(a, "epfd-reuse"))
		return attack_epfd_reuse();
	if (!strncmp(a, "eintr-", 6))
		return attack_eintr(a + 6);
	if (!strcmp(a, "select-big"))
		return attack_select_big();
	if (!strncmp(a, "end-", 4))
		return attack_end_queued(a + 4);
	return 2;
}
