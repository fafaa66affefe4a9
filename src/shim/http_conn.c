/* One connection's HTTP/1.x requests, as the program writes them, and the
 * reply an http_response rule makes up for one of them: where each
 * request starts and ends (a write is cut at the end of a request, so the
 * next one starts a write of its own), a request line split over several
 * writes (held back until it is whole), and the reply handed to the
 * program's reads. The caller keeps the state under its own lock. */
#include <string.h>
#include <sys/mman.h>

#include "shim/shim.h"

struct cs_http_conn *cs_http_conn_new(void)
{
	int saved = errno; /* a failed map is a passthrough */
	void *mem = mmap(NULL, sizeof(struct cs_http_conn),
			 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	errno = saved;
	return mem == MAP_FAILED ? NULL : mem;
}

void cs_http_conn_free(struct cs_http_conn *c)
{
	if (c)
		munmap(c, sizeof(*c));
}

/* Copies up to max bytes from iov, skipping the first skip, into out. */
static size_t gather(const struct iovec *iov, int iovcnt, size_t skip,
		     char *out, size_t max)
{
	size_t n = 0;
	for (int i = 0; i < iovcnt && n < max; i++) {
		size_t len = iov[i].iov_len;
		if (skip >= len) {
			skip -= len;
			continue;
		}
		size_t take = len - skip < max - n ? len - skip : max - n;
		memcpy(out + n, (const char *)iov[i].iov_base + skip, take);
		n += take;
		skip = 0;
	}
	return n;
}

/* Follows the bytes of iov from skip on, up to max of them, through the
 * request under way; returns how many belong to it. */
static size_t follow(struct cs_http_follow *f, const struct iovec *iov,
		     int iovcnt, size_t skip, size_t max)
{
	size_t taken = 0;
	for (int i = 0; i < iovcnt && taken < max &&
			f->stage == CS_HTTP_IN_REQUEST; i++) {
		size_t len = iov[i].iov_len;
		if (skip >= len) {
			skip -= len;
			continue;
		}
		size_t n = len - skip < max - taken ? len - skip : max - taken;
		size_t took = cs_http_track(&f->tracker,
					    (const char *)iov[i].iov_base + skip, n);
		taken += took;
		skip = 0;
		if (f->tracker.part == CS_HTTP_ENDED) {
			f->stage = CS_HTTP_AT_LINE;
			f->swallow = false;
		}
		if (took < n)
			break;
	}
	return taken;
}

/* The reply can be read once the request's head is in. */
static void reply_when_ready(struct cs_http_conn *c, bool answering)
{
	if (answering && c->follow.tracker.part != CS_HTTP_IN_HEAD)
		c->reply_ready = true;
}

enum cs_http_step cs_http_conn_write(struct cs_http_conn *c,
				     const struct iovec *iov, int iovcnt,
				     struct cs_http_write *w)
{
	size_t total = cs_iov_total(iov, iovcnt);
	char line[CS_HTTP_LINE_MAX];

	w->before = c->follow;
	w->held = c->held;
	w->len = total;
	if (c->follow.stage == CS_HTTP_NOT_HTTP)
		return CS_HTTP_PASS;
	if (c->follow.stage == CS_HTTP_IN_REQUEST) {
		bool answering = c->follow.swallow;
		w->len = follow(&c->follow, iov, iovcnt, 0, total);
		reply_when_ready(c, answering);
		/* After a reply that ends the connection, nothing is followed. */
		if (answering && c->reply_close &&
		    c->follow.stage == CS_HTTP_AT_LINE)
			c->follow.stage = CS_HTTP_NOT_HTTP;
		return answering ? CS_HTTP_SWALLOWED : CS_HTTP_PASS;
	}
	memcpy(line, c->line, c->held);
	size_t n = c->held + gather(iov, iovcnt, 0, line + c->held,
				    sizeof(line) - c->held);
	enum cs_http_line kind = cs_http_request_line(line, n, &w->req);
	if (kind == CS_HTTP_LINE_MORE && n == c->held + total &&
	    n < sizeof(line)) {
		memcpy(c->line, line, n);
		c->held = (uint16_t)n;
		return CS_HTTP_HELD;
	}
	/* From here on what was held goes first (cs_http_write.held). */
	c->held = 0;
	switch (kind) {
	case CS_HTTP_LINE_MORE: /* a line too long */
	case CS_HTTP_LINE_NOT:
		c->follow.stage = CS_HTTP_NOT_HTTP;
		return CS_HTTP_PASS;
	case CS_HTTP_LINE_H2:
		c->follow.stage = CS_HTTP_NOT_HTTP;
		return CS_HTTP_H2;
	case CS_HTTP_LINE_DONE:
		break;
	}
	/* The line's bytes in this write, then the rest of its request. */
	size_t mine = w->req.line_len - w->held;
	c->follow.stage = CS_HTTP_IN_REQUEST;
	cs_http_track_start(&c->follow.tracker);
	w->len = mine + follow(&c->follow, iov, iovcnt, mine, total - mine);
	return CS_HTTP_REQUEST;
}

void cs_http_conn_sent(struct cs_http_conn *c, const struct cs_http_write *w,
		       const struct iovec *iov, int iovcnt, ssize_t sent)
{
	if ((size_t)sent == w->len || c->follow.stage == CS_HTTP_NOT_HTTP)
		return;
	c->follow = w->before;
	if (sent <= 0)
		return;
	if (c->follow.stage == CS_HTTP_AT_LINE) {
		/* Part of a request line went: follow it from its end. */
		size_t mine = w->req.line_len - w->held;
		if ((size_t)sent < mine) {
			c->follow.stage = CS_HTTP_NOT_HTTP; /* lost track */
			return;
		}
		c->follow.stage = CS_HTTP_IN_REQUEST;
		cs_http_track_start(&c->follow.tracker);
		follow(&c->follow, iov, iovcnt, mine, (size_t)sent - mine);
		return;
	}
	follow(&c->follow, iov, iovcnt, 0, (size_t)sent);
}

void cs_http_conn_answer(struct cs_http_conn *c, const struct cs_rule *rule,
			 const struct cs_http_write *w)
{
	c->held = 0;
	c->follow.swallow = c->follow.stage == CS_HTTP_IN_REQUEST;
	c->reply_len = (uint32_t)cs_http_response(
		rule, strcmp(w->req.method, "HEAD") == 0, c->reply,
		sizeof(c->reply));
	c->reply_read = 0;
	c->reply_close = !rule->keep_alive;
	c->reply_ready = c->read_shut = false;
	reply_when_ready(c, true);
	/* After a reply that ends the connection, nothing is followed. */
	if (c->reply_close && !c->follow.swallow)
		c->follow.stage = CS_HTTP_NOT_HTTP;
}

size_t cs_http_conn_read(struct cs_http_conn *c, const struct iovec *iov,
			 int iovcnt, bool peek)
{
	size_t done = 0;
	for (int i = 0; i < iovcnt && c->reply_read + done < c->reply_len; i++) {
		size_t left = c->reply_len - c->reply_read - done;
		size_t n = iov[i].iov_len < left ? iov[i].iov_len : left;
		memcpy(iov[i].iov_base, c->reply + c->reply_read + done, n);
		done += n;
	}
	if (!peek)
		c->reply_read += (uint32_t)done;
	return done;
}
