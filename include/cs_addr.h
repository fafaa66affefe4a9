/* Endpoint patterns (`[ADDR[/PREFIX]][:PORT[-PORT]]`) and socket addresses:
 * parsing, matching and formatting. Matching and formatting are
 * async-signal-safe: no allocation, no locale, no libc state. */
#ifndef CS_ADDR_H
#define CS_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "cs_table.h"

/* Parses "127.0.0.1:5432", "10.0.0.0/8", "[::1]:443", "*:8080",
 * "[2001:db8::/32]:1000-2000", "::1", "*", ":80". Returns 0, or -1 with a
 * reason in err. */
int cs_endpoint_parse(const char *text, struct cs_endpoint *out, char *err,
		      size_t errlen);

/* Whether addr falls in the pattern. An address of family 0 (unknown, unix)
 * matches only a pattern with any address and any port. IPv4-mapped IPv6
 * addresses match IPv4 patterns. */
bool cs_endpoint_matches(const struct cs_endpoint *pattern,
			 const struct cs_sockaddr *addr);

/* Converts a sockaddr; unknown families give family 0. */
void cs_sockaddr_from(const struct sockaddr *sa, socklen_t len,
		      struct cs_sockaddr *out);

/* Writes "1.2.3.4:80" or "[::1]:443" (or "" for family 0) with a NUL, at
 * most size bytes. Returns the length written. */
size_t cs_sockaddr_format(const struct cs_sockaddr *addr, char *buf,
			  size_t size);

/* Writes the pattern back in profile syntax, for status output. */
size_t cs_endpoint_format(const struct cs_endpoint *pattern, char *buf,
			  size_t size);

#endif
