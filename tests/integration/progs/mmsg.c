/* Batches of UDP datagrams on loopback through sendmmsg and recvmmsg,
 * which no scripting language on this machine calls.
 *   mmsg send   sendmmsg of 8 datagrams of 100 bytes; prints what the call
 *               returned, then the size of every datagram that arrived
 *   mmsg recv   8 datagrams sent one by one, then one recvmmsg of up to 8;
 *               prints what it returned, each size (with "t" when cut),
 *               and how long the call took in ms
 *   mmsg rounds N [to]
 *               N rounds of a sendmmsg of 2 datagrams (with "to", from an
 *               unconnected socket, each with its msg_name), then (once
 *               they are readable, and 50 ms more; 300 ms at most) a
 *               non-blocking recvmmsg of up to 8; one line per round:
 *               "R sent K of L+L got M" (L: each message's msg_len), with
 *               "error NAME" in place of a call that failed
 *   mmsg rounds N tcp PORT
 *               the same on one non-blocking TCP connection to the echo
 *               server on 127.0.0.1:PORT (a recvmmsg of a stream fills
 *               a message per receive)
 *   mmsg stream a sendmmsg of 8 messages of 100 bytes on a connected
 *               SOCK_STREAM pair; prints what it returned and each msg_len
 *   mmsg empty  a sendmmsg and a non-blocking recvmmsg of no message;
 *               prints what each returned
 * Output: "sendmmsg K sizes 100 100 50" or "recvmmsg K sizes 100 50t ms 201".
 * Built dynamically and with gcc -static, to run under the preload and
 * under `run --trap`. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

#define BATCH 8
#define SIZE 100

/* rx's address, where tx sends (with msg_name when tx is not connected). */
static struct sockaddr_in rx_addr = {.sin_family = AF_INET};

static int udp_pair(int *rx, int *tx, int connected)
{
	struct sockaddr_in *a = &rx_addr;
	socklen_t len = sizeof *a;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*rx = socket(AF_INET, SOCK_DGRAM, 0);
	*tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (*rx < 0 || *tx < 0 || bind(*rx, (struct sockaddr *)a, len) < 0 ||
	    getsockname(*rx, (struct sockaddr *)a, &len) < 0 ||
	    (connected && connect(*tx, (struct sockaddr *)a, len) < 0)) {
		perror("udp pair");
		return -1;
	}
	return 0;
}

static int do_send(int rx, int tx)
{
	static char data[BATCH][SIZE];
	struct iovec iov[BATCH];
	struct mmsghdr vec[BATCH];
	memset(vec, 0, sizeof vec);
	for (int i = 0; i < BATCH; i++) {
		memset(data[i], 'a' + i, SIZE);
		iov[i] = (struct iovec){.iov_base = data[i], .iov_len = SIZE};
		vec[i].msg_hdr.msg_iov = &iov[i];
		vec[i].msg_hdr.msg_iovlen = 1;
	}
	int sent = sendmmsg(tx, vec, BATCH, 0);
	if (sent < 0) {
		printf("sendmmsg error %s\n", strerror(errno));
		return 0;
	}
	printf("sendmmsg %d sizes", sent);
	char buf[SIZE * 2];
	ssize_t got;
	usleep(50000);
	while ((got = recv(rx, buf, sizeof buf, MSG_DONTWAIT)) >= 0)
		printf(" %zd", got);
	printf("\n");
	return 0;
}

static int do_recv(int rx, int tx)
{
	char data[SIZE];
	memset(data, 'x', SIZE);
	for (int i = 0; i < BATCH; i++)
		if (send(tx, data, SIZE, 0) != SIZE) {
			perror("send");
			return 1;
		}
	static char bufs[BATCH][SIZE];
	struct iovec iov[BATCH];
	struct mmsghdr vec[BATCH];
	memset(vec, 0, sizeof vec);
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){.iov_base = bufs[i], .iov_len = SIZE};
		vec[i].msg_hdr.msg_iov = &iov[i];
		vec[i].msg_hdr.msg_iovlen = 1;
	}
	struct timespec timeout = {.tv_sec = 2};
	double start = now_ms();
	int got = recvmmsg(rx, vec, BATCH, MSG_WAITFORONE, &timeout);
	double took = now_ms() - start;
	if (got < 0) {
		printf("recvmmsg error %s ms %.0f\n", strerror(errno), took);
		return 0;
	}
	printf("recvmmsg %d sizes", got);
	for (int i = 0; i < got; i++)
		printf(" %u%s", vec[i].msg_len,
		       vec[i].msg_hdr.msg_flags & MSG_TRUNC ? "t" : "");
	printf(" ms %.0f\n", took);
	return 0;
}

/* The messages of vec, each of its own buffer of SIZE bytes from data. */
static void batch_of(struct mmsghdr *vec, struct iovec *iov, char (*data)[SIZE],
		     int n)
{
	memset(vec, 0, sizeof(*vec) * (size_t)n);
	for (int i = 0; i < n; i++) {
		iov[i] = (struct iovec){.iov_base = data[i], .iov_len = SIZE};
		vec[i].msg_hdr.msg_iov = &iov[i];
		vec[i].msg_hdr.msg_iovlen = 1;
	}
}

static int do_rounds(int rx, int tx, int rounds, int connected)
{
	static char out[2][SIZE], in[BATCH][SIZE];
	struct iovec out_iov[2], in_iov[BATCH];
	struct mmsghdr out_vec[2], in_vec[BATCH];
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int r = 1; r <= rounds; r++) {
		batch_of(out_vec, out_iov, out, 2);
		batch_of(in_vec, in_iov, in, BATCH);
		for (int i = 0; i < 2 && !connected; i++) {
			out_vec[i].msg_hdr.msg_name = &rx_addr;
			out_vec[i].msg_hdr.msg_namelen = sizeof rx_addr;
		}
		printf("%d", r);
		int sent = sendmmsg(tx, out_vec, 2, 0);
		if (sent < 0)
			printf(" sent error %s", errno_name(errno));
		else
			printf(" sent %d of %u+%u", sent, out_vec[0].msg_len,
			       out_vec[1].msg_len);
		struct pollfd p = {.fd = rx, .events = POLLIN};
		if (poll(&p, 1, 300) > 0)
			usleep(50000); /* the rest of an echo */
		int got = recvmmsg(rx, in_vec, BATCH, MSG_DONTWAIT, NULL);
		if (got < 0)
			printf(" got error %s\n", errno_name(errno));
		else
			printf(" got %d\n", got);
	}
	return 0;
}

static int do_stream(void)
{
	static char data[BATCH][SIZE];
	struct iovec iov[BATCH];
	struct mmsghdr vec[BATCH];
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		perror("socketpair");
		return 1;
	}
	batch_of(vec, iov, data, BATCH);
	int sent = sendmmsg(sv[0], vec, BATCH, 0);
	if (sent < 0) {
		printf("sendmmsg error %s\n", errno_name(errno));
		return 0;
	}
	printf("sendmmsg %d lens", sent);
	for (int i = 0; i < sent; i++)
		printf(" %u", vec[i].msg_len);
	printf("\n");
	return 0;
}

/* A non-blocking TCP connection to 127.0.0.1:port, or -1. */
static int tcp_to(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((unsigned short)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		perror("tcp");
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	int rx, tx;
	if (argc == 2 && strcmp(argv[1], "stream") == 0)
		return do_stream();
	if (argc == 5 && strcmp(argv[1], "rounds") == 0 &&
	    strcmp(argv[3], "tcp") == 0) {
		int fd = tcp_to(atoi(argv[4]));
		return fd < 0 ? 2 : do_rounds(fd, fd, atoi(argv[2]), 1);
	}
	int unconnected = argc == 4 && strcmp(argv[3], "to") == 0;
	if (argc < 2 || udp_pair(&rx, &tx, !unconnected) < 0)
		return 2;
	if (argc >= 3 && strcmp(argv[1], "rounds") == 0)
		return do_rounds(rx, tx, atoi(argv[2]), !unconnected);
	if (argc != 2)
		return 2;
	if (strcmp(argv[1], "empty") == 0) {
		struct mmsghdr none;
		int sent = sendmmsg(tx, &none, 0, 0);
		printf("sendmmsg %d", sent);
		printf(" recvmmsg %d\n", recvmmsg(rx, &none, 0, MSG_DONTWAIT, NULL));
		return 0;
	}
	if (strcmp(argv[1], "send") == 0)
		return do_send(rx, tx);
	if (strcmp(argv[1], "recv") == 0)
		return do_recv(rx, tx);
	return 2;
}
