/* Connects to the echo server on 127.0.0.1:PORT, then ROUNDS times sends
 * "ping" and reads the echo, with write/read or send/recv (MODE), printing
 * one line per round: "N ok MS BYTES" (BYTES: what the read returned) or
 * "N ERRNO-NAME MS" (the call that failed
 * first), and stops at the first failure. Built by the tests, dynamically
 * and with gcc -static, to run under the preload and under `run --trap`. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: echo_client PORT ROUNDS write|send\n");
		return 2;
	}
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_port = htons((unsigned short)atoi(argv[1]))};
	int rounds = atoi(argv[2]);
	int sockets = strcmp(argv[3], "send") == 0;
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	setvbuf(stdout, NULL, _IOLBF, 0);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		printf("0 %s 0\n", errno_name(errno));
		return 1;
	}
	for (int i = 1; i <= rounds; i++) {
		char buf[16];
		double start = now_ms();
		ssize_t n = sockets ? send(fd, "ping", 4, 0) : write(fd, "ping", 4);
		if (n == 4) {
			errno = 0;
			n = sockets ? recv(fd, buf, sizeof(buf), 0)
				    : read(fd, buf, sizeof(buf));
		}
		if (n <= 0) {
			printf("%d %s %.0f\n", i, errno_name(errno), now_ms() - start);
			return 1;
		}
		printf("%d ok %.0f %zd\n", i, now_ms() - start, n);
	}
	close(fd);
	return 0;
}
