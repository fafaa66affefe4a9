/* Process-life scenarios for the shim, one subcommand each: fork from a
 * multithreaded program while a thread is inside the shim, fork/vfork/
 * posix_spawn then exec, thread storms, intercepted calls from a signal
 * handler, a loop that shows whether faults still arrive, a program that
 * holds still while its descriptors are listed, and threads cancelled
 * inside intercepted calls. Each one ends on its
 * own (an alarm kills it if it hangs) and exits 0 when all went well. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void die(const char *what)
{
	fprintf(stderr, "life: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		die("socketpair");
}

/* One byte there and back, through every error the rules may inject. */
static void ping(int sv[2])
{
	char c = 'x';
	while (send(sv[0], &c, 1, 0) != 1)
		if (errno != EINTR && errno != ENOTUNIQ)
			die("send");
	while (recv(sv[1], &c, 1, 0) != 1)
		if (errno != EINTR)
			die("recv");
}

/* How far the shim's time() is from the kernel's, in seconds. */
static long skew_s(void)
{
	return (long)(time(NULL) - (time_t)syscall(SYS_time, NULL));
}

static void *busy(void *arg)
{
	int sv[2];
	pair(sv);
	for (;;) {
		ping(sv);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		if (__atomic_load_n((int *)arg, __ATOMIC_RELAXED))
			break;
	}
	close(sv[0]);
	close(sv[1]);
	return NULL;
}

static int wait_ok(pid_t pid, const char *what)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	fprintf(stderr, "life: %s %d ended with status 0x%x\n", what, (int)pid,
		status);
	return -1;
}

/* fork ROUNDS: forks while two threads hammer the shim; every child works
 * at once, and the last one stays until the rule `skew` is switched off
 * by the test (it prints "skewed", then "unskewed"). */
static int fork_mt(int rounds)
{
	pthread_t t[2];
	int stop = 0;
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, busy, &stop))
			die("pthread_create");
	int rc = 0;
	for (int r = 0; r < rounds; r++) {
		usleep(2000); /* let the threads get deep into the shim */
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			alarm(20);
			int sv[2];
			pair(sv);
			for (int i = 0; i < 100; i++)
				ping(sv);
			if (r < rounds - 1)
				_exit(0);
			printf("child %d %s\n", (int)getpid(),
			       skew_s() > 3600 ? "skewed" : "unskewed");
			fflush(stdout);
			while (skew_s() > 3600)
				usleep(10000);
			printf("child unskewed\n");
			fflush(stdout);
			_exit(0);
		}
		if (wait_ok(pid, "child") < 0)
			rc = 1;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return rc;
}

/* exec fork|vfork|spawn PROGRAM ARG...: starts the program the chosen way,
 * prints "child PID" and waits for it. */
static int exec_child(const char *how, char **argv)
{
	pid_t pid;
	if (strcmp(how, "spawn") == 0) {
		int e = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
		if (e) {
			errno = e;
			die("posix_spawn");
		}
	} else {
		pid = strcmp(how, "vfork") == 0 ? vfork() : fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			execv(argv[0], argv);
			_exit(127);
		}
	}
	printf("child %d\n", (int)pid);
	fflush(stdout);
	return wait_ok(pid, "exec child") < 0;
}

static void *short_life(void *arg)
{
	(void)arg;
	int sv[2];
	pair(sv);
	ping(sv);
	time(NULL);
	close(sv[0]);
	close(sv[1]);
	return NULL;
}

/* threads N: N threads, 64 at a time, each registers with the shim's RCU
 * and leaves; half of them detached. */
static int thread_storm(int n)
{
	pthread_attr_t detached;
	pthread_attr_init(&detached);
	pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
	for (int done = 0; done < n; done += 64) {
		pthread_t t[64];
		for (int i = 0; i < 64; i++) {
			int e = pthread_create(&t[i], i % 2 ? &detached : NULL,
					       short_life, NULL);
			if (e) {
				errno = e;
				die("pthread_create");
			}
		}
		for (int i = 0; i < 64; i += 2)
			pthread_join(t[i], NULL);
	}
	usleep(100000); /* the detached ones finish before exit */
	printf("threads %d\n", n);
	return 0;
}

static int sig_fd[2] = {-1, -1};
static volatile sig_atomic_t handled;

static void on_alarm(int sig)
{
	(void)sig;
	int saved = errno;
	char c = 's';
	time(NULL);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	(void)!write(sig_fd[0], &c, 1);
	(void)!send(sig_fd[0], &c, 1, MSG_DONTWAIT);
	handled++;
	errno = saved;
}

/* signals SECONDS: a 2 kHz timer whose handler calls time, clock_gettime,
 * write and send while the main thread works in the shim's slow path. */
static int signals(int seconds)
{
	int sv[2];
	pair(sv);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sig_fd) < 0)
		die("socketpair");
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 500}, {0, 500}};
	setitimer(ITIMER_REAL, &it, NULL);
	time_t end = (time_t)syscall(SYS_time, NULL) + seconds;
	long pings = 0;
	char drain[4096];
	while ((time_t)syscall(SYS_time, NULL) < end) {
		ping(sv);
		pings++;
		while (recv(sig_fd[1], drain, sizeof drain, MSG_DONTWAIT) > 0)
			;
	}
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	printf("signals handled=%d pings=%ld\n", (int)handled, pings);
	return handled > 0 && pings > 0 ? 0 : 1;
}

/* loop: pings forever, printing every 100 ms how many pings went through
 * and how many sends failed with ENOTUNIQ (the test's rule). */
__attribute__((noreturn)) static int loop(void)
{
	int sv[2];
	pair(sv);
	for (;;) {
		long ok = 0, err = 0;
		struct timespec start, now;
		clock_gettime(CLOCK_MONOTONIC, &start);
		do {
			char c = 'x';
			if (send(sv[0], &c, 1, 0) == 1) {
				if (recv(sv[1], &c, 1, 0) != 1)
					die("recv");
				ok++;
			} else if (errno == ENOTUNIQ) {
				err++;
			} else {
				die("send");
			}
			clock_gettime(CLOCK_MONOTONIC, &now);
		} while ((now.tv_sec - start.tv_sec) * 1000000000L +
				 (now.tv_nsec - start.tv_nsec) <
			 100000000L);
		printf("tick ok=%ld err=%ld\n", ok, err);
		fflush(stdout);
	}
}

/* cancel SECONDS: for that long, starts 4 threads that make intercepted
 * calls (and so take the shim's locks, refresh its table, write its event
 * log) and cancels them at random moments; prints "cancelled N". Then the
 * process must still follow the table: it waits for the rule `skew` to be
 * switched off by the test ("unskewed"), and fork must work ("forked"). */
static int cancel_storm(int seconds)
{
	struct timespec start, now;
	unsigned seed = (unsigned)getpid();
	int n = 0, never = 0; /* the threads end cancelled, in send or recv */
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		pthread_t t[4];
		for (int i = 0; i < 4; i++)
			if (pthread_create(&t[i], NULL, busy, &never))
				die("pthread_create");
		usleep((useconds_t)(rand_r(&seed) % 3000));
		for (int i = 0; i < 4; i++) {
			pthread_cancel(t[i]);
			pthread_join(t[i], NULL);
			n++;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < seconds);
	printf("cancelled %d\n", n);
	fflush(stdout);
	while (skew_s() > 3600)
		usleep(10000);
	printf("unskewed\n");
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int sv[2];
		pair(sv);
		ping(sv);
		_exit(0);
	}
	if (wait_ok(pid, "child") < 0)
		return 1;
	printf("forked\n");
	return 0;
}

/* hold FILE: makes intercepted calls, prints "ready PID" and waits until
 * FILE exists, so the test can look at the process meanwhile. */
static int hold(const char *release)
{
	int sv[2];
	pair(sv);
	for (int i = 0; i < 10; i++)
		ping(sv);
	close(sv[0]);
	close(sv[1]);
	time(NULL);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	while (access(release, F_OK) != 0)
		usleep(10000);
	return 0;
}

int main(int argc, char **argv)
{
	alarm(60); /* nothing here may hang a test run */
	const char *cmd = argc > 1 ? argv[1] : "";
	if (strcmp(cmd, "fork") == 0 && argc == 3)
		return fork_mt(atoi(argv[2]));
	if (strcmp(cmd, "exec") == 0 && argc >= 4)
		return exec_child(argv[2], argv + 3);
	if (strcmp(cmd, "threads") == 0 && argc == 3)
		return thread_storm(atoi(argv[2]));
	if (strcmp(cmd, "signals") == 0 && argc == 3)
		return signals(atoi(argv[2]));
	if (strcmp(cmd, "loop") == 0)
		return loop();
	if (strcmp(cmd, "hold") == 0 && argc == 3)
		return hold(argv[2]);
	if (strcmp(cmd, "cancel") == 0 && argc == 3)
		return cancel_storm(atoi(argv[2]));
	fprintf(stderr, "usage: life fork ROUNDS | exec fork|vfork|spawn PROGRAM ARG... |\n"
			"       threads N | signals SECONDS | loop | hold FILE |\n"
			"       cancel SECONDS\n");
	return 2;
}
