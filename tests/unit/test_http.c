/* Unit tests of HTTP/1.x as the shim sees it: the request-line parser,
 * the tracker of where a request ends, the method and path matcher, and
 * the response builder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cs_http.h"
#include "cs_profile.h"

static struct cs_table table;
static char err[512];

static struct cs_rule *rule_of(const char *keys)
{
	char text[2048];
	snprintf(text, sizeof(text),
		 "rules = ({ name = \"x\"; calls = [\"send\"]; fault = \"http_response\"; status = 503; %s });",
		 keys);
	if (cs_profile_compile_string(text, "h.cfg", &table, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return &table.rules[0];
}

static enum cs_http_line line(const char *text, struct cs_http_request *req)
{
	return cs_http_request_line(text, strlen(text), req);
}

static void test_request_line(void **state)
{
	struct cs_http_request req;
	const char *get = "GET /api/v1?q=1 HTTP/1.1\r\nHost: x\r\n\r\n";

	assert_int_equal(line(get, &req), CS_HTTP_LINE_DONE);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.target, "/api/v1?q=1");
	assert_int_equal(req.line_len, strlen("GET /api/v1?q=1 HTTP/1.1\r\n"));
	assert_int_equal(line("POST / HTTP/1.0\n", &req), CS_HTTP_LINE_DONE);
	assert_string_equal(req.method, "POST");
	assert_int_equal(req.line_len, 16);

	/* Every prefix of a request line asks for more. */
	for (size_t n = 0; n < strlen("GET /api/v1?q=1 HTTP/1.1\r\n"); n++)
		assert_int_equal(cs_http_request_line(get, n, &req),
				 CS_HTTP_LINE_MORE);

	/* Other protocols, and TLS records, are not HTTP/1.x. */
	assert_int_equal(line("\x16\x03\x01\x02", &req), CS_HTTP_LINE_NOT);
	assert_int_equal(line("*1\r\n$4\r\nPING\r\n", &req), CS_HTTP_LINE_NOT);
	assert_int_equal(line("PING\r\n", &req), CS_HTTP_LINE_NOT);
	assert_int_equal(line("get / HTTP/1.1\r\n", &req), CS_HTTP_LINE_NOT);
	assert_int_equal(line("GET  / HTTP/1.1\r\n", &req), CS_HTTP_LINE_NOT);
	assert_int_equal(line("GET / HTTP/2.0\r\n", &req), CS_HTTP_LINE_NOT);
	assert_int_equal(line("GET / HTTP/1.1x", &req), CS_HTTP_LINE_NOT);
	assert_int_equal(line("VERYLONGMETHODNAMEX / HTTP/1.1\r\n", &req),
			 CS_HTTP_LINE_NOT);

	/* The HTTP/2 preface, whole or begun. */
	assert_int_equal(line("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &req),
			 CS_HTTP_LINE_H2);
	assert_int_equal(line("PRI * HT", &req), CS_HTTP_LINE_MORE);
	assert_int_equal(line("PUT /x HTTP/1.1\r\n", &req), CS_HTTP_LINE_DONE);
}

static void test_request_line_long_target(void **state)
{
	static char text[CS_HTTP_TARGET_MAX + 64];
	struct cs_http_request req;
	memset(text, 'a', sizeof(text));
	memcpy(text, "GET /", 5);
	strcpy(text + 5 + CS_HTTP_TARGET_MAX, " HTTP/1.1\r\n");
	assert_int_equal(line(text, &req), CS_HTTP_LINE_NOT);
}

/* Feeds text to a fresh tracker in pieces of step bytes; returns how
 * many bytes belonged to the request. */
static size_t track(struct cs_http_tracker *t, const char *text, size_t step)
{
	size_t n = strlen(text), taken = 0;
	cs_http_track_start(t);
	for (size_t at = 0; at < n; at += step) {
		size_t piece = n - at < step ? n - at : step;
		size_t took = cs_http_track(t, text + at, piece);
		taken += took;
		if (took < piece)
			break;
	}
	return taken;
}

static void test_tracker(void **state)
{
	struct cs_http_tracker t;
	const char *no_body = "Host: x\r\nAccept: */*\r\n\r\nGET /next HTTP/1.1\r\n";
	const char *body = "Host: x\r\nCONTENT-length:  5\r\n\r\nhelloGET /";
	const char *chunked = "Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";

	for (size_t step = 1; step < 64; step++) {
		assert_int_equal(track(&t, no_body, step),
				 strlen("Host: x\r\nAccept: */*\r\n\r\n"));
		assert_int_equal(t.part, CS_HTTP_ENDED);
		assert_int_equal(track(&t, body, step), strlen(body) - 5);
		assert_int_equal(t.part, CS_HTTP_ENDED);
		assert_int_equal(track(&t, chunked, step), strlen(chunked));
		assert_int_equal(t.part, CS_HTTP_OPAQUE);
	}
	/* Headers without their end: still in the head. */
	assert_int_equal(track(&t, "Host: x\r\nContent-Length: 9\r\n", 7),
			 strlen("Host: x\r\nContent-Length: 9\r\n"));
	assert_int_equal(t.part, CS_HTTP_IN_HEAD);
	assert_int_equal(cs_http_track(&t, "\r\n1234", 6), 6);
	assert_int_equal(t.part, CS_HTTP_IN_BODY);
	assert_int_equal(t.body_left, 5);
	assert_int_equal(cs_http_track(&t, "56789xyz", 8), 5);
	assert_int_equal(t.part, CS_HTTP_ENDED);
	assert_int_equal(cs_http_track(&t, "xyz", 3), 0);
}

static bool takes(const char *keys, const char *method, const char *target)
{
	struct cs_http_request req;
	snprintf(req.method, sizeof(req.method), "%s", method);
	snprintf(req.target, sizeof(req.target), "%s", target);
	return cs_http_rule_takes(rule_of(keys), &req);
}

static void test_method_and_path(void **state)
{
	assert_true(takes("", "GET", "/"));
	assert_true(takes("http_method = \"POST\";", "POST", "/x"));
	assert_false(takes("http_method = \"POST\";", "GET", "/x"));
	assert_false(takes("http_method = \"GET\";", "GETX", "/x"));
	/* A prefix... */
	assert_true(takes("http_path = \"/api\";", "GET", "/api"));
	assert_true(takes("http_path = \"/api\";", "GET", "/api/v1?q=1"));
	assert_true(takes("http_path = \"/api\";", "GET", "/apiary"));
	assert_false(takes("http_path = \"/api\";", "GET", "/ap"));
	assert_false(takes("http_path = \"/api\";", "GET", "/v1/api"));
	/* ...or a glob of the whole target. */
	assert_true(takes("http_path = \"/api/*/items\";", "GET", "/api/v2/items"));
	assert_false(takes("http_path = \"/api/*/items\";", "GET", "/api/v2/items/3"));
	assert_true(takes("http_path = \"/v?/x\";", "GET", "/v1/x"));
	assert_true(takes("http_path = \"/v[0-9]/x\";", "GET", "/v7/x"));
	assert_false(takes("http_path = \"/v[0-9]/x\";", "GET", "/va/x"));
	assert_true(takes("http_path = \"/v[!0-9]/x\";", "GET", "/va/x"));
	assert_true(takes("http_path = \"*.json\";", "GET", "/a/b.json"));
	assert_true(takes("http_method = \"GET\"; http_path = \"/h*\";", "GET", "/health"));
	assert_false(takes("http_method = \"GET\"; http_path = \"/h*\";", "HEAD", "/health"));
}

static void test_response(void **state)
{
	char buf[CS_HTTP_RESPONSE_MAX];
	size_t n;
	const struct cs_rule *r = rule_of(
		"headers = [\"Retry-After: 1\", \"Content-Type: text/plain\"]; body = \"busy\\n\";");

	n = cs_http_response(r, false, buf, sizeof(buf));
	buf[n] = '\0';
	assert_string_equal(buf, "HTTP/1.1 503 Service Unavailable\r\n"
				 "Retry-After: 1\r\n"
				 "Content-Type: text/plain\r\n"
				 "Content-Length: 5\r\n"
				 "Connection: close\r\n\r\n"
				 "busy\n");
	/* A HEAD request gets the length, not the body. */
	n = cs_http_response(r, true, buf, sizeof(buf));
	buf[n] = '\0';
	assert_non_null(strstr(buf, "Content-Length: 5\r\n"));
	assert_string_equal(buf + n - 4, "\r\n\r\n");

	r = rule_of("keep_alive = true;");
	n = cs_http_response(r, false, buf, sizeof(buf));
	buf[n] = '\0';
	assert_string_equal(buf, "HTTP/1.1 503 Service Unavailable\r\n"
				 "Content-Length: 0\r\n"
				 "Connection: keep-alive\r\n\r\n");
	assert_string_equal(cs_http_reason(429), "Too Many Requests");
	assert_string_equal(cs_http_reason(599), "Status");

	/* The longest rule still fits, and a small buffer is not overrun. */
	static char body[CS_HTTP_BODY_MAX + 32], keys[4096];
	memset(body, 'b', CS_HTTP_BODY_MAX - 1);
	body[CS_HTTP_BODY_MAX - 1] = '\0';
	snprintf(keys, sizeof(keys), "body = \"%s\";", body);
	r = rule_of(keys);
	n = cs_http_response(r, false, buf, sizeof(buf));
	assert_true(n < sizeof(buf));
	assert_memory_equal(buf + n - (CS_HTTP_BODY_MAX - 1), body,
			    CS_HTTP_BODY_MAX - 1);
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(cs_http_response(r, false, buf, 10), 10);
	assert_int_equal(buf[10], 'z');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_line),
		cmocka_unit_test(test_request_line_long_target),
		cmocka_unit_test(test_tracker),
		cmocka_unit_test(test_method_and_path),
		cmocka_unit_test(test_response),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
