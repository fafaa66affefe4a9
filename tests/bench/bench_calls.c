/* Microbenchmark of the calls the shim intercepts: `bench_calls ROW ITER`
 * runs one row's loop and prints its cost; it knows nothing of the shim, so
 * the same binary measures native, shimmed and peer-preloaded runs. */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MSG 64
#define BULK_BUF 65536

/* The benchmark's own stopwatch goes straight to the kernel, so no preload
 * (the shim, libfaketime) can shift or slow it. */
static long long now_ns(void)
{
	struct timespec ts;
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_calls: %s failed: %s\n", what, strerror(errno));
	exit(1);
}

/* Both ends of a connection, for the round-trip rows. */
static int ends[2];
static char msg[MSG];

static void exact(ssize_t got, size_t want, const char *what)
{
	if (got != (ssize_t)want)
		die(what);
}

static void loop_clock_gettime(long n)
{
	struct timespec ts;
	for (long i = 0; i < n; i++)
		clock_gettime(CLOCK_REALTIME, &ts);
}

static void loop_gettimeofday(long n)
{
	struct timeval tv;
	for (long i = 0; i < n; i++)
		gettimeofday(&tv, NULL);
}

static void loop_time(long n)
{
	for (long i = 0; i < n; i++)
		time(NULL);
}

/* One round trip: 64 bytes there and back, four intercepted calls. */
static void loop_ping_pong(long n)
{
	for (long i = 0; i < n; i++) {
		exact(send(ends[0], msg, MSG, 0), MSG, "send");
		exact(recv(ends[1], msg, MSG, MSG_WAITALL), MSG, "recv");
		exact(send(ends[1], msg, MSG, 0), MSG, "send");
		exact(recv(ends[0], msg, MSG, MSG_WAITALL), MSG, "recv");
	}
}

/* A write and a read of 64 bytes at the start of a regular file: what every
 * file access pays while the send and recv families are armed. */
static void loop_file(long n)
{
	for (long i = 0; i < n; i++) {
		lseek(ends[0], 0, SEEK_SET);
		exact(write(ends[0], msg, MSG), MSG, "write");
		lseek(ends[0], 0, SEEK_SET);
		exact(read(ends[0], msg, MSG), MSG, "read");
	}
}

/* The timed loop, kept out of line so that callgrind can count it alone
 * (--toggle-collect=timed). */
static __attribute__((noinline, noclone)) void timed(void (*loop)(long), long n)
{
	loop(n);
}

static void setup_socketpair(void)
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, ends) < 0)
		die("socketpair");
}

static int tcp_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	if (fd < 0)
		die("socket");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	return sa;
}

/* A listening socket on 127.0.0.1:port (0: any free port); *port gets it. */
static int tcp_listen(int *port)
{
	int fd = tcp_socket(), one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = loopback(*port);
	socklen_t len = sizeof sa;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		die("listen");
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Connects to 127.0.0.1:port, retrying for two seconds while a proxy in
 * front of it is still starting. */
static int tcp_connect(int port)
{
	struct sockaddr_in sa = loopback(port);
	for (int tries = 0;; tries++) {
		int fd = tcp_socket();
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			return fd;
		close(fd);
		if (errno != ECONNREFUSED || tries == 200)
			die("connect");
		usleep(10000);
	}
}

static void setup_tcp(void)
{
	int port = 0, lfd = tcp_listen(&port);
	ends[0] = tcp_connect(port);
	ends[1] = accept(lfd, NULL, NULL);
	if (ends[1] < 0)
		die("accept");
	close(lfd);
}

static void setup_file(void)
{
	char path[] = "/tmp/bench_calls.XXXXXX";
	ends[0] = mkstemp(path);
	if (ends[0] < 0)
		die("mkstemp");
	unlink(path);
}

/* A file of MSG bytes, and a second one, for the copy rows. */
static int source, target;
/* A pipe, for the splice row. */
static int pipe_ends[2];

static int temp_file(void)
{
	char path[] = "/tmp/bench_calls.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		die("mkstemp");
	unlink(path);
	return fd;
}

static void setup_sendfile(void)
{
	setup_socketpair();
	source = temp_file();
	exact(pwrite(source, msg, MSG, 0), MSG, "pwrite");
}

/* A file sent into a socket, read out at the other end. */
static void loop_sendfile(long n)
{
	for (long i = 0; i < n; i++) {
		off_t at = 0;
		exact(sendfile(ends[0], source, &at, MSG), MSG, "sendfile");
		exact(recv(ends[1], msg, MSG, MSG_WAITALL), MSG, "recv");
	}
}

static void setup_splice(void)
{
	setup_socketpair();
	if (pipe(pipe_ends) < 0)
		die("pipe");
}

/* A send, spliced from the socket into a pipe, read from the pipe. */
static void loop_splice(long n)
{
	for (long i = 0; i < n; i++) {
		exact(send(ends[0], msg, MSG, 0), MSG, "send");
		exact(splice(ends[1], NULL, pipe_ends[1], NULL, MSG, 0), MSG,
		      "splice");
		exact(read(pipe_ends[0], msg, MSG), MSG, "read");
	}
}

static void setup_datagrams(void)
{
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, ends) < 0)
		die("socketpair");
}

/* One datagram there through sendmmsg, and in through recvmmsg. */
static void loop_mmsg(long n)
{
	struct iovec iov = {.iov_base = msg, .iov_len = MSG};
	struct mmsghdr vec = {.msg_hdr = {.msg_iov = &iov, .msg_iovlen = 1}};
	for (long i = 0; i < n; i++) {
		exact(sendmmsg(ends[0], &vec, 1, 0), 1, "sendmmsg");
		exact(recvmmsg(ends[1], &vec, 1, 0, NULL), 1, "recvmmsg");
	}
}

static void setup_copy(void)
{
	setup_sendfile();
	target = temp_file();
}

/* A file to file copy: what any copy_file_range pays while the send and
 * recv families are armed. */
static void loop_copy_file_range(long n)
{
	for (long i = 0; i < n; i++) {
		loff_t in = 0, out = 0;
		exact(copy_file_range(source, &in, target, &out, MSG, 0), MSG,
		      "copy_file_range");
	}
}

/* A socketpair whose second end always has data to read, and an epoll
 * set watching it, for the readiness rows. */
static int ready_set;

static void setup_ready(void)
{
	setup_socketpair();
	exact(send(ends[0], msg, MSG, 0), MSG, "send");
	ready_set = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = ends[1]};
	if (ready_set < 0 || epoll_ctl(ready_set, EPOLL_CTL_ADD, ends[1], &ev) < 0)
		die("epoll");
}

static void loop_poll(long n)
{
	struct pollfd pfd = {.fd = ends[1], .events = POLLIN};
	for (long i = 0; i < n; i++)
		exact(poll(&pfd, 1, 0), 1, "poll");
}

static void loop_epoll_wait(long n)
{
	struct epoll_event ev;
	for (long i = 0; i < n; i++)
		exact(epoll_wait(ready_set, &ev, 1, 0), 1, "epoll_wait");
}

static void loop_select(long n)
{
	for (long i = 0; i < n; i++) {
		fd_set readable;
		FD_ZERO(&readable);
		FD_SET(ends[1], &readable);
		struct timeval now = {0};
		exact(select(ends[1] + 1, &readable, NULL, NULL, &now), 1,
		      "select");
	}
}

struct row {
	const char *name;
	void (*setup)(void);
	void (*loop)(long);
};

static const struct row rows[] = {
	{"clock_gettime", NULL, loop_clock_gettime},
	{"gettimeofday", NULL, loop_gettimeofday},
	{"time", NULL, loop_time},
	{"socketpair", setup_socketpair, loop_ping_pong},
	{"tcp", setup_tcp, loop_ping_pong},
	{"file", setup_file, loop_file},
	{"sendfile", setup_sendfile, loop_sendfile},
	{"splice", setup_splice, loop_splice},
	{"mmsg", setup_datagrams, loop_mmsg},
	{"copy_file_range", setup_copy, loop_copy_file_range},
	{"poll", setup_ready, loop_poll},
	{"epoll_wait", setup_ready, loop_epoll_wait},
	{"select", setup_ready, loop_select},
};

/* Prints ns per iteration of a row's loop, after a warm-up that resolves
 * every symbol and fills the caches. */
static void run_row(const struct row *row, long n)
{
	if (row->setup)
		row->setup();
	row->loop(n / 10 + 1);
	long long start = now_ns();
	timed(row->loop, n);
	printf("%.2f\n", (double)(now_ns() - start) / (double)n);
}

/* Prints the time of each of n socketpair round trips, in ns, for the
 * accuracy rows (a latency rule on send delays one side). */
static void delay_samples(long n)
{
	setup_socketpair();
	for (long i = 0; i < n; i++) {
		long long start = now_ns();
		exact(send(ends[0], msg, MSG, 0), MSG, "send");
		exact(recv(ends[1], msg, MSG, MSG_WAITALL), MSG, "recv");
		printf("%lld\n", now_ns() - start);
	}
}

/* Prints, for each of n messages, how long after it was sent an epoll
 * client on a non-blocking socket got it, in ns: what a latency rule on
 * recv delivers to an event loop. The client waits in epoll_wait and reads
 * with MSG_DONTWAIT, again after any EAGAIN. */
static void epoll_delay_samples(long n)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, ends) < 0)
		die("socketpair");
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = ends[1]};
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, ends[1], &ev) < 0)
		die("epoll");
	for (long i = 0; i < n; i++) {
		long long start = now_ns();
		exact(send(ends[0], msg, MSG, 0), MSG, "send");
		for (;;) {
			if (epoll_wait(ep, &ev, 1, -1) < 0 && errno != EINTR)
				die("epoll_wait");
			ssize_t got = recv(ends[1], msg, MSG, MSG_DONTWAIT);
			if (got == MSG)
				break;
			if (got >= 0 || errno != EAGAIN)
				die("recv");
		}
		printf("%lld\n", now_ns() - start);
	}
}

/* Keeps the calling process on the first CPU it may use. Sender and
 * receiver share it: left to the scheduler, where it puts the two changes
 * the bulk rate by half from run to run on a small machine. */
static void pin_first_cpu(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) < 0)
		return;
	for (int i = 0; i < CPU_SETSIZE; i++) {
		if (CPU_ISSET(i, &set)) {
			CPU_ZERO(&set);
			CPU_SET(i, &set);
			sched_setaffinity(0, sizeof set, &set);
			return;
		}
	}
}

/* Sends mib MiB from a child to this process over loopback TCP and prints
 * the rate the receiver saw, in MB/s (10^6 bytes), both ends on one CPU.
 * With two ports, listens
 * on the first and has the child connect to the second, where a proxy
 * forwards to the first. */
static void tcp_bulk(long mib, int listen_port, int connect_port)
{
	int lfd = tcp_listen(&listen_port);
	if (!connect_port)
		connect_port = listen_port;
	static char buf[BULK_BUF];
	long long total = mib * 1048576ll;
	pid_t child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		pin_first_cpu();
		close(lfd);
		int fd = tcp_connect(connect_port);
		for (long long sent = 0; sent < total;) {
			size_t chunk = total - sent < BULK_BUF ? (size_t)(total - sent)
							       : BULK_BUF;
			ssize_t n = write(fd, buf, chunk);
			if (n <= 0)
				die("write");
			sent += n;
		}
		_exit(0);
	}
	pin_first_cpu();
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	long long got = 0, start = now_ns();
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		got += n;
	long long took = now_ns() - start;
	waitpid(child, NULL, 0);
	if (n < 0 || got != total)
		die("read");
	printf("%.1f\n", (double)got * 1000.0 / (double)took);
}

static int usage(void)
{
	fprintf(stderr, "usage: bench_calls ROW ITER\n"
			"       bench_calls delay_samples N\n"
			"       bench_calls epoll_delay_samples N\n"
			"       bench_calls tcp_bulk MIB [LISTEN_PORT CONNECT_PORT]\n"
			"rows:");
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		fprintf(stderr, " %s", rows[i].name);
	fprintf(stderr, "\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 3 || atol(argv[2]) <= 0)
		return usage();
	long n = atol(argv[2]);
	if (strcmp(argv[1], "delay_samples") == 0) {
		delay_samples(n);
		return 0;
	}
	if (strcmp(argv[1], "epoll_delay_samples") == 0) {
		epoll_delay_samples(n);
		return 0;
	}
	if (strcmp(argv[1], "tcp_bulk") == 0) {
		if (argc != 3 && argc != 5)
			return usage();
		tcp_bulk(n, argc == 5 ? atoi(argv[3]) : 0,
			 argc == 5 ? atoi(argv[4]) : 0);
		return 0;
	}
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (strcmp(argv[1], rows[i].name) == 0) {
			run_row(&rows[i], n);
			return 0;
		}
	}
	return usage();
}
