/* An epoll fd's registrations, read from its /proc/self/fdinfo text, which
 * holds one line per registered fd:
 *   tfd:        5 events:       19 data:                5  pos:0 ino:2a9e
 * The text is fed in pieces of any size (a reader's small buffer), and
 * nothing is allocated. Pure functions. */
#ifndef CS_EPOLL_FDINFO_H
#define CS_EPOLL_FDINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cs_epoll_reg {
	int fd;
	uint32_t events; /* as the kernel keeps them (EPOLLERR | EPOLLHUP added) */
	uint64_t data;
};

/* The line being put together across pieces. */
struct cs_epoll_fdinfo {
	char line[160];
	size_t len;
	bool overlong; /* the line did not fit: skipped up to its end */
};

/* Whether line (len bytes, no newline) is a registration; fills reg. */
bool cs_epoll_fdinfo_line(const char *line, size_t len,
			  struct cs_epoll_reg *reg);

/* Feeds n more bytes of the text; found(reg, arg) is called for every
 * registration line completed (a last line without a newline counts once
 * the text is fed whole and n is 0). */
void cs_epoll_fdinfo_feed(struct cs_epoll_fdinfo *p, const char *text,
			  size_t n,
			  void (*found)(const struct cs_epoll_reg *, void *),
			  void *arg);

#endif
