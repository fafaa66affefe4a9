/* A TLS client in a module linked with libssl, as python3's _ssl is: the
 * program dlopens it (and with it libssl, RTLD_LOCAL) long after start.
 * It connects to 127.0.0.1:port, sends a line and reads the echo, printing
 * what errno was after each successful TLS call. */
#include <errno.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SENTINEL 4242

static void errno_line(const char *name, int rc)
{
	if (errno == SENTINEL)
		printf("%s rc=%d errno=sentinel\n", name, rc > 0 ? 1 : rc);
	else
		printf("%s rc=%d errno=%s\n", name, rc > 0 ? 1 : rc,
		       strerrorname_np(errno));
}

/* Returns 0 when the echo came back intact. */
__attribute__((visibility("default"))) int cs_tls_echo(int port)
{
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		perror("connect");
		return -1;
	}
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	errno = SENTINEL;
	int rc = SSL_connect(ssl);
	errno_line("SSL_connect", rc);
	if (rc != 1)
		return -1;
	static const char line[] = "hello over tls, dlopened\n";
	errno = SENTINEL;
	rc = SSL_write(ssl, line, (int)strlen(line));
	errno_line("SSL_write", rc);
	char echo[sizeof line] = "";
	size_t got = 0;
	while (got < strlen(line)) {
		errno = SENTINEL;
		rc = SSL_read(ssl, echo + got, (int)(sizeof echo - 1 - got));
		if (rc <= 0)
			break;
		got += (size_t)rc;
	}
	errno_line("SSL_read", rc);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	if (strcmp(echo, line) != 0) {
		fprintf(stderr, "tls module: echo '%s'\n", echo);
		return -1;
	}
	return 0;
}
