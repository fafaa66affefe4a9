/* Connects to 127.0.0.1:PORT TIMES times, one after the other (GAP_MS
 * apart, 0 unless given), and prints
 * one line per attempt: "N ok MS" or "N ERRNO-NAME MS", with the time the
 * connect took in milliseconds. Built by the tests, dynamically and with
 * gcc -static, to run under the preload and under `run --trap`. */
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
	if (argc < 3) {
		fprintf(stderr, "usage: connect_client PORT TIMES [GAP_MS]\n");
		return 2;
	}
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_port = htons((unsigned short)atoi(argv[1]))};
	int times = atoi(argv[2]);
	int gap_ms = argc > 3 ? atoi(argv[3]) : 0;
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i <= times; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		double start = now_ms();
		int rc = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
		int err = errno;
		printf("%d %s %.0f\n", i, rc == 0 ? "ok" : errno_name(err),
		       now_ms() - start);
		close(fd);
		if (gap_ms)
			usleep((useconds_t)gap_ms * 1000);
	}
	return 0;
}
