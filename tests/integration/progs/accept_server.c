/* A small HTTP server on a free port of 127.0.0.1 that accepts with a
 * blocking accept (or accept4 with SOCK_CLOEXEC), one connection at a
 * time: prints "port N" first, then one line per accept, "accept ok ADDR
 * CLOEXEC-OR-INHERIT OPEN-FDS" or "accept ERRNO-NAME SECONDS", answers
 * each request with "hi" and closes. Built by the tests with gcc -static,
 * to run under `run --trap`.
 *
 *	accept_server accept|accept4 [alarm]
 *	    alarm: SIGALRM, handled without SA_RESTART, one second into the
 *	    first accept (which then fails with EINTR), then goes on
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

static void on_alarm(int sig)
{
	(void)sig;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3; /* ".", ".." and the directory's own fd */
}

int main(int argc, char **argv)
{
	int use_accept4 = argc > 1 && strcmp(argv[1], "accept4") == 0;
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t len = sizeof(addr);
	int one = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2 && strcmp(argv[2], "alarm") == 0) {
		struct sigaction sa = {.sa_handler = on_alarm};
		sigaction(SIGALRM, &sa, NULL);
		alarm(1);
	}
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(ls, 16) < 0 ||
	    getsockname(ls, (struct sockaddr *)&addr, &len) < 0) {
		perror("accept_server");
		return 1;
	}
	printf("port %d\n", ntohs(addr.sin_port));
	for (;;) {
		struct sockaddr_in peer;
		char text[INET_ADDRSTRLEN] = "?", req[4096];
		double start = now_ms();
		len = sizeof(peer);
		int conn = use_accept4 ? accept4(ls, (struct sockaddr *)&peer,
						 &len, SOCK_CLOEXEC)
				       : accept(ls, (struct sockaddr *)&peer, &len);
		if (conn < 0) {
			printf("accept %s %.1f\n", errno_name(errno),
			       (now_ms() - start) / 1e3);
			continue;
		}
		if (len == sizeof(peer))
			inet_ntop(AF_INET, &peer.sin_addr, text, sizeof(text));
		printf("accept ok %s %s %d\n", text,
		       fcntl(conn, F_GETFD) & FD_CLOEXEC ? "cloexec" : "inherit",
		       open_fds());
		if (read(conn, req, sizeof(req)) > 0) {
			static const char answer[] =
				"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi";
			ssize_t n = write(conn, answer, sizeof(answer) - 1);
			(void)n;
		}
		close(conn);
	}
}
