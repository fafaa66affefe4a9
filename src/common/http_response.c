/* The response an http_response rule fabricates (cs_http.h). */
#include "cs_http.h"

#include <string.h>

struct status_reason {
	unsigned status;
	const char *reason;
};

static const struct status_reason reasons[] = {
	{100, "Continue"}, {200, "OK"}, {201, "Created"}, {202, "Accepted"},
	{204, "No Content"}, {301, "Moved Permanently"}, {302, "Found"},
	{303, "See Other"}, {304, "Not Modified"}, {307, "Temporary Redirect"},
	{308, "Permanent Redirect"}, {400, "Bad Request"},
	{401, "Unauthorized"}, {403, "Forbidden"}, {404, "Not Found"},
	{405, "Method Not Allowed"}, {408, "Request Timeout"},
	{409, "Conflict"}, {410, "Gone"}, {413, "Content Too Large"},
	{429, "Too Many Requests"}, {500, "Internal Server Error"},
	{501, "Not Implemented"}, {502, "Bad Gateway"},
	{503, "Service Unavailable"}, {504, "Gateway Timeout"},
};

const char *cs_http_reason(unsigned status)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Status";
}

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (n > o->size - o->len)
		n = o->size - o->len;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_uint(struct out *o, size_t v)
{
	char digits[24];
	size_t n = 0;
	do {
		digits[sizeof(digits) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(o, digits + sizeof(digits) - n, n);
}

size_t cs_http_response(const struct cs_rule *rule, bool head_request,
			char *buf, size_t size)
{
	struct out o = {buf, size, 0};
	size_t body = strnlen(rule->http_body, sizeof(rule->http_body));
	const char *h = rule->http_headers, *end = h + sizeof(rule->http_headers);

	put_str(&o, "HTTP/1.1 ");
	put_uint(&o, rule->http_status);
	put_str(&o, " ");
	put_str(&o, cs_http_reason(rule->http_status));
	put_str(&o, "\r\n");
	while (h < end && *h) {
		size_t n = strnlen(h, (size_t)(end - h));
		put(&o, h, n);
		put_str(&o, "\r\n");
		h += n + 1;
	}
	put_str(&o, "Content-Length: ");
	put_uint(&o, body);
	put_str(&o, rule->keep_alive ? "\r\nConnection: keep-alive\r\n\r\n"
				     : "\r\nConnection: close\r\n\r\n");
	if (!head_request)
		put(&o, rule->http_body, body);
	return o.len;
}
