/* HTTP/1.x as the shim sees it from a client's side: the request line that
 * starts a request, where the request ends, whether a rule takes it, and
 * the response a rule fabricates. Pure functions: no allocation, no
 * locale, no stdio, so the shim may call them anywhere. */
#ifndef CS_HTTP_H
#define CS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs_table.h"

#define CS_HTTP_TARGET_MAX 1024 /* a longer request target is not matched */
/* The longest request line recognised: method, target, version. */
#define CS_HTTP_LINE_MAX (CS_HTTP_METHOD_MAX + CS_HTTP_TARGET_MAX + 16)
/* The largest fabricated response: status line, the rule's headers, the
 * two the shim adds, the body. */
#define CS_HTTP_RESPONSE_MAX (CS_HTTP_HEADERS_MAX + CS_HTTP_BODY_MAX + 128)

enum cs_http_line {
	CS_HTTP_LINE_DONE, /* a whole HTTP/1.x request line */
	CS_HTTP_LINE_MORE, /* a request line so far: more bytes are needed */
	CS_HTTP_LINE_NOT,  /* not HTTP/1.x (another protocol, TLS bytes) */
	CS_HTTP_LINE_H2,   /* the HTTP/2 client preface, "PRI * HTTP/2.0" */
};

struct cs_http_request {
	char method[CS_HTTP_METHOD_MAX];
	char target[CS_HTTP_TARGET_MAX];
	size_t line_len; /* the request line's bytes, its end of line included */
};

/* Reads the request line at the start of buf (n bytes); fills req when it
 * is whole. */
enum cs_http_line cs_http_request_line(const char *buf, size_t n,
				       struct cs_http_request *req);

/* Where the rest of a request is: after its line come the header lines,
 * then a body of Content-Length bytes. A chunked body's end is not
 * tracked: from there on, the connection's bytes count as that body. */
enum cs_http_part {
	CS_HTTP_IN_HEAD,
	CS_HTTP_IN_BODY,
	CS_HTTP_OPAQUE, /* a chunked body: the end is not tracked */
	CS_HTTP_ENDED,
};

struct cs_http_tracker {
	uint8_t part; /* enum cs_http_part */
	bool chunked;
	uint8_t field_len;  /* bytes of field kept (lower case) */
	uint16_t line_len;  /* bytes of the current header line, up to a cap */
	char field[40];     /* the current header line's start */
	uint64_t body_left; /* Content-Length bytes still to come */
};

/* A request whose line was just read. */
void cs_http_track_start(struct cs_http_tracker *t);
/* Takes the next n bytes the program wrote; returns how many of them
 * belong to the request (all of them, until it ends). */
size_t cs_http_track(struct cs_http_tracker *t, const char *buf, size_t n);

/* Whether a rule's http_method and http_path take the request: the
 * method exactly ("" any), the path as a prefix of the target, or as a
 * glob (* ? [...]) of the whole target when it has one of them. */
bool cs_http_rule_takes(const struct cs_rule *rule,
			const struct cs_http_request *req);

/* Writes the response an http_response rule makes into buf (size at
 * least CS_HTTP_RESPONSE_MAX): its status line, headers, Content-Length
 * and Connection, then its body (none for a HEAD request). Returns its
 * length. */
size_t cs_http_response(const struct cs_rule *rule, bool head_request,
			char *buf, size_t size);

/* The reason phrase of a status code ("Service Unavailable"). */
const char *cs_http_reason(unsigned status);

#endif
