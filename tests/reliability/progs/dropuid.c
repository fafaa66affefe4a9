/* A server that starts as root and drops to another uid after the shim has
 * attached, as nginx, apache or postgres do: it reports the clock skew its
 * rules give it right after the drop, in a worker it forks, and again once
 * the test has changed the rule live and created FILE; then it execs
 * PROGRAM, if given, which starts afresh as the new uid.
 * usage: dropuid UID FILE [PROGRAM] */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long skew_s(void)
{
	return (long)(time(NULL) - (time_t)syscall(SYS_time, NULL));
}

int main(int argc, char **argv)
{
	alarm(30); /* nothing here may hang a test run */
	if (argc != 3 && argc != 4)
		return 2;
	uid_t uid = (uid_t)atoi(argv[1]);
	if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0) {
		perror("dropuid: drop");
		return 1;
	}
	printf("dropped uid=%d skew=%ld\n", (int)getuid(), skew_s());
	fflush(stdout);
	pid_t worker = fork();
	if (worker == 0) {
		printf("worker skew=%ld\n", skew_s());
		fflush(stdout);
		_exit(0);
	}
	waitpid(worker, NULL, 0);
	while (access(argv[2], F_OK) != 0)
		usleep(10000);
	printf("after skew=%ld\n", skew_s());
	fflush(stdout);
	if (argc == 4) {
		execl(argv[3], argv[3], (char *)NULL);
		perror("dropuid: exec");
		return 1;
	}
	return 0;
}
