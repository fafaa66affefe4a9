/* Stress program for the shim under live control: threads pass numbered
 * messages through their own socketpair with every spelling of send and
 * recv and read the clocks, until a stop file appears. It checks its own
 * data (no byte lost, duplicated or reordered whatever the faults) and
 * that CLOCK_MONOTONIC never runs backwards, and prints what it saw:
 *
 *   ok calls=N notuniq=N eintr=N
 *
 * ENOTUNIQ is the errno of the count-limited rule of the driver: the sum
 * over processes must equal that rule's `injected` counter. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MSG 16

static const char *stop_file;
static long min_iterations;
static uint64_t calls, notuniq, eintr;

static void die(const char *what, int err)
{
	fprintf(stderr, "stress: %s: %s\n", what, strerror(err));
	exit(1);
}

/* A failed call the rules may have caused: counted, then retried. */
static void expected_failure(int err, const char *what)
{
	if (err == ENOTUNIQ)
		__atomic_fetch_add(&notuniq, 1, __ATOMIC_RELAXED);
	else if (err == EINTR)
		__atomic_fetch_add(&eintr, 1, __ATOMIC_RELAXED);
	else
		die(what, err);
}

/* One transfer with the spelling picked by way: send, write or sendmsg. */
static ssize_t put(int fd, const char *buf, size_t len, int way)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	switch (way) {
	case 0:
		return send(fd, buf, len, 0);
	case 1:
		return write(fd, buf, len);
	default:
		return sendmsg(fd, &msg, 0);
	}
}

static ssize_t get(int fd, char *buf, size_t len, int way)
{
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	switch (way) {
	case 0:
		return recv(fd, buf, len, 0);
	case 1:
		return read(fd, buf, len);
	default:
		return recvmsg(fd, &msg, 0);
	}
}

/* Moves len bytes through a slice rule's short writes and reads and the
 * errors the rules inject; fn is put or get. */
static void transfer(int fd, char *buf, size_t len, int way, bool sending)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = sending ? put(fd, buf + done, len - done, way)
				    : get(fd, buf + done, len - done, way);
		__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
		if (n < 0) {
			expected_failure(errno, sending ? "send" : "recv");
			continue;
		}
		if (n == 0)
			die("recv", ECONNRESET);
		done += (size_t)n;
	}
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		die("clock_gettime", errno);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void read_clocks(int64_t *last_monotonic)
{
	struct timespec ts;
	struct timeval tv;
	int64_t now = monotonic_ns();
	if (now < *last_monotonic) {
		fprintf(stderr, "stress: CLOCK_MONOTONIC went back by %lld ns\n",
			(long long)(*last_monotonic - now));
		exit(1);
	}
	*last_monotonic = now;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || gettimeofday(&tv, NULL) < 0 ||
	    time(NULL) == (time_t)-1)
		die("realtime clock", errno);
	__atomic_fetch_add(&calls, 4, __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
	long id = (long)arg;
	int sv[2];
	int64_t last_monotonic = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		die("socketpair", errno);
	for (long i = 0;; i++) {
		if (i % 32 == 0) {
			if (i >= min_iterations && access(stop_file, F_OK) == 0)
				break;
			/* Sixteen busy threads on two cores would starve the
			 * control tool, whose changes are the point. */
			usleep(2000);
		}
		int64_t out[2] = {id, i}, in[2] = {-1, -1};
		transfer(sv[0], (char *)out, MSG, (int)(i % 3), true);
		transfer(sv[1], (char *)in, MSG, (int)((i + 1) % 3), false);
		if (memcmp(in, out, MSG) != 0) {
			fprintf(stderr, "stress: thread %ld message %ld: got %lld/%lld\n",
				id, i, (long long)in[0], (long long)in[1]);
			exit(1);
		}
		read_clocks(&last_monotonic);
	}
	close(sv[0]);
	close(sv[1]);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: stress THREADS MIN_ITERATIONS STOP_FILE\n");
		return 2;
	}
	int nthreads = atoi(argv[1]);
	min_iterations = atol(argv[2]);
	stop_file = argv[3];
	if (nthreads < 1 || nthreads > 256 || min_iterations < 0) {
		fprintf(stderr, "stress: bad THREADS or MIN_ITERATIONS\n");
		return 2;
	}
	pthread_t tids[256];
	for (long t = 0; t < nthreads; t++) {
		int rc = pthread_create(&tids[t], NULL, worker, (void *)t);
		if (rc)
			die("pthread_create", rc);
	}
	for (int t = 0; t < nthreads; t++)
		pthread_join(tids[t], NULL);
	printf("ok calls=%llu notuniq=%llu eintr=%llu\n",
	       (unsigned long long)calls, (unsigned long long)notuniq,
	       (unsigned long long)eintr);
	return 0;
}
