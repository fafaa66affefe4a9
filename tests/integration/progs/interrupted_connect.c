/* Connects to 127.0.0.1:PORT with SIGALRM due in one second, handled
 * without SA_RESTART, or with it when a third argument is given; prints
 * "ok SECONDS" or "ERRNO-NAME SECONDS": what a signal does to a call that
 * is still waiting. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

static void on_alarm(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: interrupted_connect PORT [restart]\n");
		return 2;
	}
	struct sigaction sa = {.sa_handler = on_alarm,
			       .sa_flags = argc > 2 ? SA_RESTART : 0};
	sigaction(SIGALRM, &sa, NULL);
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_port = htons((unsigned short)atoi(argv[1]))};
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	alarm(1);
	int rc = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	int err = errno;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%s %.1f\n", rc == 0 ? "ok" : errno_name(err), s);
	return 0;
}
