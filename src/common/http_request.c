/* HTTP/1.x requests as a client writes them (cs_http.h): the request line,
 * where the request ends, and whether a rule's method and path take it. */
#include "cs_http.h"

#include <string.h>

#include "cs_schedule.h"

static const char h2_preface[] = "PRI * HTTP/2.0\r\n";

static bool is_method_char(char c)
{
	return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

static bool is_target_char(char c)
{
	return (unsigned char)c > 0x20 && (unsigned char)c < 0x7f;
}

/* Whether buf (n bytes) starts the HTTP/2 preface, and holds all of it. */
static enum cs_http_line h2_prefix(const char *buf, size_t n)
{
	size_t want = sizeof(h2_preface) - 1;
	if (memcmp(buf, h2_preface, n < want ? n : want) != 0)
		return CS_HTTP_LINE_NOT;
	return n < want ? CS_HTTP_LINE_MORE : CS_HTTP_LINE_H2;
}

enum cs_http_line cs_http_request_line(const char *buf, size_t n,
				       struct cs_http_request *req)
{
	static const char version[] = "HTTP/1.";
	size_t i = 0, method_end, target_start, target_end;

	if (n && buf[0] == 'P' && h2_prefix(buf, n) != CS_HTTP_LINE_NOT)
		return h2_prefix(buf, n);
	while (i < n && is_method_char(buf[i]))
		i++;
	method_end = i;
	if (i == n)
		return i < CS_HTTP_METHOD_MAX ? CS_HTTP_LINE_MORE : CS_HTTP_LINE_NOT;
	if (!method_end || method_end >= CS_HTTP_METHOD_MAX || buf[i] != ' ')
		return CS_HTTP_LINE_NOT;
	target_start = ++i;
	while (i < n && is_target_char(buf[i]) && i - target_start < CS_HTTP_TARGET_MAX)
		i++;
	target_end = i;
	if (i - target_start >= CS_HTTP_TARGET_MAX)
		return CS_HTTP_LINE_NOT;
	if (i == n)
		return CS_HTTP_LINE_MORE;
	if (target_end == target_start || buf[i] != ' ')
		return CS_HTTP_LINE_NOT;
	i++;
	/* "HTTP/1." and one digit, then CRLF (or a bare LF). */
	for (size_t v = 0; v < sizeof(version) - 1; v++, i++) {
		if (i == n)
			return CS_HTTP_LINE_MORE;
		if (buf[i] != version[v])
			return CS_HTTP_LINE_NOT;
	}
	if (i == n)
		return CS_HTTP_LINE_MORE;
	if (buf[i] < '0' || buf[i] > '9')
		return CS_HTTP_LINE_NOT;
	i++;
	if (i < n && buf[i] == '\r')
		i++;
	if (i == n)
		return CS_HTTP_LINE_MORE;
	if (buf[i] != '\n')
		return CS_HTTP_LINE_NOT;
	memcpy(req->method, buf, method_end);
	req->method[method_end] = '\0';
	memcpy(req->target, buf + target_start, target_end - target_start);
	req->target[target_end - target_start] = '\0';
	req->line_len = i + 1;
	return CS_HTTP_LINE_DONE;
}

void cs_http_track_start(struct cs_http_tracker *t)
{
	memset(t, 0, sizeof(*t));
	t->part = CS_HTTP_IN_HEAD;
}

/* The header line kept in t->field (lower case) is complete. */
static void header_done(struct cs_http_tracker *t)
{
	static const char length[] = "content-length:";
	static const char encoding[] = "transfer-encoding:";
	size_t n = t->field_len;
	const char *f = t->field;

	if (n > sizeof(length) - 1 && !memcmp(f, length, sizeof(length) - 1)) {
		uint64_t v = 0;
		for (size_t i = sizeof(length) - 1; i < n; i++)
			if (f[i] >= '0' && f[i] <= '9' && v < UINT64_MAX / 16)
				v = v * 10 + (uint64_t)(f[i] - '0');
		t->body_left = v;
	} else if (n > sizeof(encoding) - 1 &&
		   !memcmp(f, encoding, sizeof(encoding) - 1) &&
		   memmem(f, n, "chunked", 7)) {
		t->chunked = true;
	}
}

/* One byte of the head: an empty line ends it. */
static void head_byte(struct cs_http_tracker *t, char c)
{
	if (c == '\n') {
		if (t->line_len == 0)
			t->part = t->chunked     ? CS_HTTP_OPAQUE
				  : t->body_left ? CS_HTTP_IN_BODY
						 : CS_HTTP_ENDED;
		else
			header_done(t);
		t->line_len = t->field_len = 0;
		return;
	}
	if (c == '\r')
		return;
	if (t->line_len < UINT16_MAX)
		t->line_len++;
	if (t->field_len < sizeof(t->field))
		t->field[t->field_len++] =
			(char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

size_t cs_http_track(struct cs_http_tracker *t, const char *buf, size_t n)
{
	size_t i = 0;
	while (i < n && t->part == CS_HTTP_IN_HEAD)
		head_byte(t, buf[i++]);
	if (t->part == CS_HTTP_OPAQUE)
		return n;
	if (t->part == CS_HTTP_IN_BODY) {
		uint64_t take = n - i < t->body_left ? n - i : t->body_left;
		t->body_left -= take;
		i += take;
		if (!t->body_left)
			t->part = CS_HTTP_ENDED;
	}
	return i;
}

static bool is_glob(const char *pattern)
{
	return strpbrk(pattern, "*?[") != NULL;
}

bool cs_http_rule_takes(const struct cs_rule *rule,
			const struct cs_http_request *req)
{
	if (rule->http_method[0] && strcmp(rule->http_method, req->method) != 0)
		return false;
	if (!rule->http_path[0])
		return true;
	if (is_glob(rule->http_path))
		return cs_glob_matches(rule->http_path, req->target);
	return strncmp(req->target, rule->http_path, strlen(rule->http_path)) == 0;
}
