/* A library whose constructor and destructor make intercepted calls (send,
 * recv, clock_gettime, time): the constructor runs before the shim's, the
 * destructor after the shim's. Each says on stderr how its calls went. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static char verdict[128];

/* One round of calls; the verdict names the first that failed, and how far
 * the shim's time() was from the kernel's. */
static void calls(const char *when)
{
	int sv[2] = {-1, -1};
	char c = 'x';
	struct timespec ts;
	const char *failed = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		failed = "socketpair";
	else if (send(sv[0], &c, 1, 0) != 1)
		failed = "send";
	else if (recv(sv[1], &c, 1, 0) != 1)
		failed = "recv";
	else if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		failed = "clock_gettime";
	long skew = (long)(time(NULL) - (time_t)syscall(SYS_time, NULL));
	close(sv[0]);
	close(sv[1]);
	int n = snprintf(verdict, sizeof verdict, "ctor-lib: %s %s skew=%ld\n",
			 when, failed ? failed : "ok", skew);
	(void)!write(2, verdict, (size_t)n);
}

__attribute__((constructor)) static void before_main(void)
{
	calls("constructor");
}

__attribute__((destructor)) static void after_main(void)
{
	calls("destructor");
}

/* Gives the program a reason to link this library. */
__attribute__((visibility("default"))) const char *cs_ctor_verdict(void)
{
	return verdict;
}
