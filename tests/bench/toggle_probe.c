/* Live-toggle delay: how long after `chaos-shim-ctl enable` returns does a
 * running program see its first faulted call. The driver half runs the CLI
 * and reads the clock when it returns; the probe half (started with the
 * shim) sends on a socketpair in a tight loop and reports, on the same
 * CLOCK_MONOTONIC, when its sends start and stop failing. */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "toggle_probe: %s failed: %s\n", what, strerror(errno));
	exit(1);
}

/* Writes "F <ns>" when sends start failing and "C <ns>" when they clear.
 * A send that goes through is read back so the buffer never fills. */
static int probe(void)
{
	int sv[2];
	char c = 'x', line[64];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		die("socketpair");
	int was_failing = 0;
	int len = snprintf(line, sizeof line, "C %lld\n", now_ns());
	if (write(1, line, (size_t)len) != len)
		return 1;
	for (;;) {
		int failing = send(sv[0], &c, 1, MSG_DONTWAIT) < 0;
		if (!failing && recv(sv[1], &c, 1, 0) != 1)
			die("recv");
		if (failing == was_failing)
			continue;
		long long t = now_ns();
		was_failing = failing;
		len = snprintf(line, sizeof line, "%c %lld\n",
			       failing ? 'F' : 'C', t);
		if (write(1, line, (size_t)len) != len)
			return 0; /* the driver has gone */
	}
}

/* Reads the probe's next line, which must start with want; its time. */
static long long expect(FILE *in, char want)
{
	char kind;
	long long t;
	if (fscanf(in, " %c %lld", &kind, &t) != 2 || kind != want) {
		fprintf(stderr, "toggle_probe: expected '%c' from the probe\n",
			want);
		exit(1);
	}
	return t;
}

/* Runs `ctl -s segment verb rule` and returns the time it exited. */
static long long ctl(const char *path, const char *segment, const char *verb,
		     const char *rule)
{
	char *argv[] = {(char *)path, "-s", (char *)segment, (char *)verb,
			(char *)rule, NULL};
	pid_t pid;
	int status;
	if (posix_spawn(&pid, path, NULL, NULL, argv, environ) != 0)
		die("posix_spawn");
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	long long t = now_ns();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "toggle_probe: '%s -s %s %s %s' failed\n", path,
			segment, verb, rule);
		exit(1);
	}
	return t;
}

/* Starts this program's probe half under the shim, attached to segment. */
static FILE *start_probe(const char *shim, const char *segment, pid_t *pid)
{
	int fds[2];
	if (pipe(fds) < 0)
		die("pipe");
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
	posix_spawn_file_actions_addclose(&actions, fds[0]);
	char *argv[] = {"toggle_probe", "probe", NULL};
	setenv("LD_PRELOAD", shim, 1);
	setenv("CHAOS_SHIM_SEGMENT", segment, 1);
	if (posix_spawn(pid, "/proc/self/exe", &actions, NULL, argv, environ) != 0)
		die("posix_spawn");
	unsetenv("LD_PRELOAD");
	unsetenv("CHAOS_SHIM_SEGMENT");
	posix_spawn_file_actions_destroy(&actions);
	close(fds[1]);
	FILE *in = fdopen(fds[0], "r");
	if (!in)
		die("fdopen");
	return in;
}

/* Prints, one a line, the ns from `enable` returning to the first failed
 * send (negative when the probe saw it before the CLI had exited). */
static int drive(char **argv)
{
	const char *ctl_path = argv[2], *shim = argv[3], *segment = argv[4],
		   *rule = argv[5];
	long n = atol(argv[6]);
	pid_t pid;
	FILE *in = start_probe(shim, segment, &pid);
	expect(in, 'C');
	for (long i = 0; i < n; i++) {
		long long enabled = ctl(ctl_path, segment, "enable", rule);
		printf("%lld\n", expect(in, 'F') - enabled);
		ctl(ctl_path, segment, "disable", rule);
		expect(in, 'C');
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "probe") == 0)
		return probe();
	if (argc == 7 && strcmp(argv[1], "drive") == 0 && atol(argv[6]) > 0)
		return drive(argv);
	fprintf(stderr, "usage: toggle_probe drive CTL SHIM SEGMENT RULE N\n"
			"       toggle_probe probe\n");
	return 2;
}
