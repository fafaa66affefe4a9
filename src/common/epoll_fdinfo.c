/* An epoll fd's registrations from its /proc fdinfo text
 * (cs_epoll_fdinfo.h). */
#include <string.h>

#include "cs_epoll_fdinfo.h"

/* Reads a number in base (10 or 16) after optional blanks at *at; false
 * when there are no digits. */
static bool number(const char *s, size_t len, size_t *at, unsigned base,
		   uint64_t *out)
{
	while (*at < len && (s[*at] == ' ' || s[*at] == '\t'))
		(*at)++;
	uint64_t v = 0;
	size_t start = *at;
	for (; *at < len; (*at)++) {
		char c = s[*at];
		unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
						    : 16;
		if (d >= base)
			break;
		v = v * base + d;
	}
	*out = v;
	return *at > start;
}

/* Expects the word key (e.g. "events:") after optional blanks at *at. */
static bool key(const char *s, size_t len, size_t *at, const char *word)
{
	while (*at < len && (s[*at] == ' ' || s[*at] == '\t'))
		(*at)++;
	size_t n = strlen(word);
	if (len - *at < n || memcmp(s + *at, word, n) != 0)
		return false;
	*at += n;
	return true;
}

bool cs_epoll_fdinfo_line(const char *line, size_t len,
			  struct cs_epoll_reg *reg)
{
	size_t at = 0;
	uint64_t fd, events, data;
	if (!key(line, len, &at, "tfd:") || !number(line, len, &at, 10, &fd) ||
	    fd > INT32_MAX || !key(line, len, &at, "events:") ||
	    !number(line, len, &at, 16, &events) || events > UINT32_MAX ||
	    !key(line, len, &at, "data:") || !number(line, len, &at, 16, &data))
		return false;
	*reg = (struct cs_epoll_reg){
		.fd = (int)fd, .events = (uint32_t)events, .data = data};
	return true;
}

static void line_done(struct cs_epoll_fdinfo *p,
		      void (*found)(const struct cs_epoll_reg *, void *),
		      void *arg)
{
	struct cs_epoll_reg reg;
	if (!p->overlong && cs_epoll_fdinfo_line(p->line, p->len, &reg))
		found(&reg, arg);
	p->len = 0;
	p->overlong = false;
}

void cs_epoll_fdinfo_feed(struct cs_epoll_fdinfo *p, const char *text,
			  size_t n,
			  void (*found)(const struct cs_epoll_reg *, void *),
			  void *arg)
{
	if (!n) {
		if (p->len || p->overlong)
			line_done(p, found, arg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\n')
			line_done(p, found, arg);
		else if (p->len < sizeof p->line)
			p->line[p->len++] = text[i];
		else
			p->overlong = true;
	}
}
